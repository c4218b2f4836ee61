import { formatDateTime } from '../elements/format.js';
import type { KnowledgeJob } from './knowledge-types.js';

/**
 * The one-line progress of an ingestion job in the jobs list: pages seen, documents written
 * and skipped, whether another start resumed it (a process stopped while it ran), and when it
 * finished.
 */
export function describeJobProgress(job: KnowledgeJob): string {
  const { pagesSeen, documentsWritten, skipped } = job.progress;
  const parts = [`${pagesSeen} seen`, `${documentsWritten} written`, `${skipped} skipped`];
  if (job.attempts !== undefined && job.attempts > 1) {
    parts.push(`resumed, attempt ${job.attempts}`);
  }
  if (job.finishedAt) parts.push(`finished ${formatDateTime(job.finishedAt)}`);
  return parts.join(' · ');
}
