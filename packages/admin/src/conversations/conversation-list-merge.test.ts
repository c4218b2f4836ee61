import { describe, expect, test } from 'vitest';
import { appendPage, mergeFirstPage } from './conversation-list-merge.js';

const at = (minute: number) => new Date(Date.UTC(2026, 10, 22, 10, minute)).toISOString();
const row = (id: string, minute: number, text = '') => ({ id, lastActivityAt: at(minute), text });

// Two pages of two loaded with "Load more": c4 c3 | c2 c1 (newest activity first).
const loaded = [row('c4', 40), row('c3', 30), row('c2', 20), row('c1', 10)];

describe('mergeFirstPage', () => {
  test('keeps the pages loaded with Load more when the first page is refreshed', () => {
    const fresh = [row('c4', 40, 'new text'), row('c3', 30)];
    const merged = mergeFirstPage(loaded, fresh, { complete: false });
    expect(merged.map((each) => each.id)).toEqual(['c4', 'c3', 'c2', 'c1']);
    expect(merged[0]?.text).toBe('new text');
  });

  test('moves a conversation of a later page to the top when it has new activity', () => {
    const fresh = [row('c1', 50, 'customer replied'), row('c4', 40)];
    const merged = mergeFirstPage(loaded, fresh, { complete: false });
    expect(merged.map((each) => each.id)).toEqual(['c1', 'c4', 'c3', 'c2']);
    expect(merged[0]?.text).toBe('customer replied');
  });

  test('adds a new conversation at the top', () => {
    const fresh = [row('c5', 55), row('c4', 40)];
    expect(mergeFirstPage(loaded, fresh, { complete: false }).map((each) => each.id)).toEqual([
      'c5',
      'c4',
      'c3',
      'c2',
      'c1',
    ]);
  });

  test('drops a loaded row that left the filter, and trusts a complete first page', () => {
    // c3 was closed: the open-only first page now reaches down to c2.
    const fresh = [row('c4', 40), row('c2', 20)];
    expect(mergeFirstPage(loaded, fresh, { complete: false }).map((each) => each.id)).toEqual([
      'c4',
      'c2',
      'c1',
    ]);
    expect(mergeFirstPage(loaded, [row('c4', 40)], { complete: true })).toEqual([row('c4', 40)]);
  });
});

describe('appendPage', () => {
  test('appends the next page without repeating a conversation that moved', () => {
    expect(appendPage([row('c1', 50), row('c4', 40)], [row('c3', 30), row('c1', 10)])).toEqual([
      row('c1', 50),
      row('c4', 40),
      row('c3', 30),
    ]);
  });
});
