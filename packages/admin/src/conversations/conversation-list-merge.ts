/** What a conversation row needs for merging: its id and when it last had activity. */
export interface ListedConversation {
  id: string;
  lastActivityAt: string;
}

/**
 * The conversation list after a live refresh of its first page, keeping the pages loaded with
 * "Load more". The list is newest activity first, so:
 *
 * - every conversation of the fresh first page replaces its old row; one whose last activity
 *   changed (or a new one) is at the top, as the server orders them;
 * - an older loaded row that is not in the fresh page stays, in place, below it;
 * - a loaded row that should be in the fresh page's range but is not there (its status no longer
 *   matches the filter) leaves; when the fresh page is the whole list (`complete`), it is the list.
 */
export function mergeFirstPage<T extends ListedConversation>(
  loaded: readonly T[],
  fresh: readonly T[],
  options: { complete: boolean },
): T[] {
  if (options.complete || loaded.length === 0) return [...fresh];
  const freshIds = new Set(fresh.map((conversation) => conversation.id));
  const oldest = fresh.at(-1)?.lastActivityAt;
  const rest = loaded.filter(
    (conversation) =>
      !freshIds.has(conversation.id) &&
      (oldest === undefined || Date.parse(conversation.lastActivityAt) <= Date.parse(oldest)),
  );
  return [...fresh, ...rest];
}

/** The list with a further page appended, without repeating a conversation already listed. */
export function appendPage<T extends ListedConversation>(
  loaded: readonly T[],
  next: readonly T[],
): T[] {
  const ids = new Set(loaded.map((conversation) => conversation.id));
  return [...loaded, ...next.filter((conversation) => !ids.has(conversation.id))];
}
