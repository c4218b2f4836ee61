import { ValidationError, type ValidationIssue } from '../errors/validation-error.js';

/** A value found more than once in a collection, with the index of every occurrence. */
export interface Duplicate {
  value: string;
  /** Indexes of every item carrying the value, in order (at least two). */
  indexes: number[];
}

/**
 * Values that occur more than once, by `key`, in first-occurrence order.
 *
 * @example findDuplicates(users, (user) => user.email.toLowerCase())
 */
export function findDuplicates<Item>(
  items: readonly Item[],
  key: (item: Item) => string,
): Duplicate[] {
  const seen = new Map<string, number[]>();
  items.forEach((item, index) => {
    const value = key(item);
    const indexes = seen.get(value);
    if (indexes === undefined) seen.set(value, [index]);
    else indexes.push(index);
  });
  return [...seen.entries()]
    .filter(([, indexes]) => indexes.length > 1)
    .map(([value, indexes]) => ({ value, indexes }));
}

/** Ids that occur more than once (every entity's `id` must be unique in its collection). */
export function findDuplicateIds(items: readonly { id: string }[]): Duplicate[] {
  return findDuplicates(items, (item) => item.id);
}

/**
 * One issue per repeated occurrence of a duplicated value (the first occurrence is
 * the one kept), at `[...pathPrefix, index, field]`.
 */
export function duplicateIssues(
  duplicates: readonly Duplicate[],
  field: string,
  pathPrefix: (string | number)[] = [],
): ValidationIssue[] {
  return duplicates.flatMap(({ value, indexes }) =>
    indexes.slice(1).map((index) => ({
      path: [...pathPrefix, index, field],
      message: `must be unique: "${value}" is already used at index ${indexes[0]}`,
    })),
  );
}

/**
 * Throws a {@link ValidationError} naming every repeated id, for example
 * `Invalid Customer list: [3].id: must be unique: "cus_1" is already used at index 0`.
 */
export function assertUniqueIds(subject: string, items: readonly { id: string }[]): void {
  const issues = duplicateIssues(findDuplicateIds(items), 'id');
  if (issues.length > 0) throw new ValidationError(subject, issues);
}
