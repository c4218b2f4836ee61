/**
 * The shared shape of the entity tests: every schema gets the same treatment
 * (a literal example, random valid entities, a JSON round trip, then each rule
 * broken on the example and on random valid entities). Test-only; imports vitest.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { z } from 'zod';
import { assertRuleBroken } from './arbitraries.js';
import { parseEntity } from './parse-entity.js';

/** One validation rule: how to break a valid input, and the issue that must then appear. */
export interface RuleCase<Input> {
  /** The rule in words, used as the test title. */
  rule: string;
  /** The field path the issue must name. */
  path: (string | number)[];
  /** What its message must say. */
  message: RegExp;
  /** Returns a copy of a valid input with this rule, and only this rule, broken. */
  breakIt: (input: Input) => unknown;
}

/** Edge values a rule must still accept. */
export interface AcceptedCase<Input> {
  title: string;
  change: (input: Input) => unknown;
}

/** Any date input (ISO string or Date) as a Date. */
export function toDate(value: string | Date): Date {
  return new Date(value);
}

/** Runs the standard suite of one entity schema. */
export function describeEntity<Input>(
  name: string,
  schema: z.ZodType,
  options: {
    example: Input;
    arbitrary: fc.Arbitrary<Input>;
    rules: RuleCase<Input>[];
    accepted?: AcceptedCase<Input>[];
  },
): void {
  const { example, arbitrary, rules, accepted = [] } = options;
  describe(name, () => {
    it('accepts the example and every random valid entity', () => {
      expect(() => parseEntity(schema, example, name)).not.toThrow();
      fc.assert(
        fc.property(arbitrary, (input) => {
          parseEntity(schema, input, name);
        }),
      );
    });

    it('gives the same entity for dates sent as ISO strings (a JSON round trip)', () => {
      fc.assert(
        fc.property(arbitrary, (input) => {
          const viaJson = parseEntity(schema, JSON.parse(JSON.stringify(input)), name);
          expect(viaJson).toEqual(parseEntity(schema, input, name));
        }),
      );
    });

    if (accepted.length > 0) {
      it.each(accepted)('accepts an edge value: $title', ({ change }) => {
        expect(() => parseEntity(schema, change(example), name)).not.toThrow();
        fc.assert(
          fc.property(arbitrary, (input) => {
            parseEntity(schema, change(input), name);
          }),
        );
      });
    }

    describe.each(rules)('rule: $rule', ({ path, message, breakIt }) => {
      it('rejects the example broken this way, naming the field', () => {
        assertRuleBroken(schema, breakIt(example), path, message);
      });
      it('rejects every random valid entity broken this way', () => {
        fc.assert(
          fc.property(arbitrary, (input) => {
            assertRuleBroken(schema, breakIt(input), path, message);
          }),
        );
      });
    });
  });
}
