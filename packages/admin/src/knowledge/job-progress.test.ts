import { describe, expect, test } from 'vitest';
import { describeJobProgress } from './job-progress.js';
import type { KnowledgeJob } from './knowledge-types.js';

const job: KnowledgeJob = {
  id: 'job-1',
  status: 'running',
  source: { kind: 'site', url: 'https://help.example.com/' },
  progress: { pagesSeen: 12, documentsWritten: 9, skipped: 1, total: null },
};

describe('describeJobProgress', () => {
  test('counts pages, written and skipped documents', () => {
    expect(describeJobProgress(job)).toBe('12 seen · 9 written · 1 skipped');
    expect(describeJobProgress({ ...job, attempts: 1 })).toBe('12 seen · 9 written · 1 skipped');
  });

  test('says when another start resumed the job, and when it finished', () => {
    const line = describeJobProgress({
      ...job,
      status: 'succeeded',
      attempts: 2,
      finishedAt: '2026-11-23T10:00:00.000Z',
    });
    expect(line).toMatch(/^12 seen · 9 written · 1 skipped · resumed, attempt 2 · finished \S/);
  });
});
