import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ValidationError } from '../errors/validation-error.js';
import { idArbitrary } from './arbitraries.js';
import { assertUniqueIds, findDuplicateIds, findDuplicates } from './unique-ids.js';

describe('findDuplicateIds', () => {
  it('finds every repeated id with all its indexes', () => {
    expect(
      findDuplicateIds([
        { id: 'a' },
        { id: 'b' },
        { id: 'a' },
        { id: 'c' },
        { id: 'a' },
        { id: 'b' },
      ]),
    ).toEqual([
      { value: 'a', indexes: [0, 2, 4] },
      { value: 'b', indexes: [1, 5] },
    ]);
  });

  it('finds nothing in a list of distinct ids, and the repeat in any list with one added', () => {
    fc.assert(
      fc.property(fc.uniqueArray(idArbitrary(), { minLength: 1 }), fc.nat(), (ids, pick) => {
        const items = ids.map((id) => ({ id }));
        expect(findDuplicateIds(items)).toEqual([]);
        const repeated = ids[pick % ids.length] as string;
        expect(findDuplicateIds([...items, { id: repeated }])).toEqual([
          { value: repeated, indexes: [ids.indexOf(repeated), ids.length] },
        ]);
      }),
    );
  });

  it('compares by any key', () => {
    expect(findDuplicates(['A', 'a', 'b'], (value) => value.toLowerCase())).toEqual([
      { value: 'a', indexes: [0, 1] },
    ]);
  });
});

describe('assertUniqueIds', () => {
  it('throws a ValidationError naming each repeat and where the id was first used', () => {
    expect(() => assertUniqueIds('Customer list', [{ id: 'a' }, { id: 'b' }])).not.toThrow();
    try {
      assertUniqueIds('Customer list', [{ id: 'a' }, { id: 'b' }, { id: 'a' }]);
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(ValidationError);
      expect((error as ValidationError).issues).toEqual([
        { path: [2, 'id'], message: 'must be unique: "a" is already used at index 0' },
      ]);
    }
  });
});
