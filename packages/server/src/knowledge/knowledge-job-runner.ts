import { type StorageV1, ValidationError } from '@churn/core';
import type { Kysely } from 'kysely';
import { z } from 'zod';
import { kyselyOf } from '../analytics/kysely-of.js';
import type { KnowledgeBaseCache } from '../chat/knowledge-base-cache.js';
import type { ChurnHandlerState } from '../handler/create-churn-handler.js';
import { createIntervalJob, type IntervalJob } from '../outbox/interval-job.js';
import type { Database } from '../storage/database.js';
import {
  type ClaimedJob,
  claimJob,
  claimStoppedJobs,
  failExhaustedJobs,
  releaseJob,
  renewLease,
  sourcesOf,
} from './knowledge-job-leases.js';
import {
  type KnowledgeIngestSettings,
  type ResolvedIngestSettings,
  runJob,
  updateClaimedJob,
} from './knowledge-jobs.js';

/** Runs the ingest jobs of one handler, and resumes those of instances that stopped. */
export interface KnowledgeJobRunner {
  /** The settings, defaults filled in. */
  readonly settings: ResolvedIngestSettings;
  /**
   * Claims a `queued` job this process just accepted and runs it in the background. Does
   * nothing when another instance claimed it first, or this runner is closing.
   */
  start(job: { tenantId: string; jobId: string }): Promise<void>;
  /**
   * One pass of the resume loop: fails the jobs out of attempts, then claims a job whose
   * lease ran out and runs it here. Answers the ids it claimed. Does nothing until the
   * handler's storage is open (it never opens it).
   */
  resumeStopped(): Promise<string[]>;
  /**
   * Stops the resume loop, stops the jobs running here and hands them back (`queued`, the
   * attempt not counted) for another instance; waits for them.
   */
  close(): Promise<void>;
}

const SettingsSchema = z.object({
  resume: z.boolean({ error: 'must be true or false' }).default(true),
  leaseMs: z
    .number({ error: 'must be a number of milliseconds' })
    .int({ error: 'must be a whole number of milliseconds' })
    .min(1000, { error: 'must be at least 1000 (1 s)' })
    .max(3_600_000, { error: 'must be at most 3600000 (1 hour)' })
    .default(60_000),
  resumeIntervalMs: z
    .number({ error: 'must be a number of milliseconds' })
    .int({ error: 'must be a whole number of milliseconds' })
    .min(10, { error: 'must be at least 10' })
    .default(30_000),
  maxAttempts: z
    .number({ error: 'must be a number' })
    .int({ error: 'must be a whole number' })
    .min(1, { error: 'must be at least 1' })
    .max(100, { error: 'must be at most 100' })
    .default(3),
});

/**
 * The ingest settings with the lease defaults: a 60 s lease, a resume pass every 30 s, 3
 * attempts.
 *
 * @throws ValidationError when a lease setting is out of range, saying which.
 */
export function resolveIngestSettings(
  settings: KnowledgeIngestSettings = {},
): ResolvedIngestSettings {
  const result = SettingsSchema.safeParse({
    resume: settings.resume,
    leaseMs: settings.leaseMs,
    resumeIntervalMs: settings.resumeIntervalMs,
    maxAttempts: settings.maxAttempts,
  });
  if (!result.success) throw ValidationError.fromZod('knowledge settings', result.error);
  return { ...settings, ...result.data };
}

interface RunningJob {
  controller: AbortController;
  done: Promise<void>;
  resumed: boolean;
}

/** Why a run was aborted: the runner closes (hand the job back) or the lease was lost. */
const closing = Symbol('closing');

/**
 * Keeps a claimed job's lease: renews it every third of `leaseMs`, and aborts the run when
 * the claim lost the job (another instance took it) or when renewals kept failing until the
 * lease ran out (the database is unreachable: another instance may take it meanwhile).
 */
function keepLease(
  db: Kysely<Database>,
  job: ClaimedJob,
  leaseMs: number,
  controller: AbortController,
): () => void {
  let leaseEnds = Date.now() + leaseMs;
  let renewing = false;
  const timer = setInterval(
    () => {
      if (renewing || controller.signal.aborted) return;
      renewing = true;
      const renewedAt = Date.now();
      renewLease(db, job, leaseMs)
        .then((held) => {
          if (held) leaseEnds = renewedAt + leaseMs;
          else controller.abort(new Error('Another instance took over this ingest job.'));
        })
        .catch(() => {
          if (Date.now() >= leaseEnds) {
            controller.abort(
              new Error('The ingest job lease ran out: the database was unreachable.'),
            );
          }
        })
        .finally(() => {
          renewing = false;
        });
    },
    Math.max(10, Math.floor(leaseMs / 3)),
  );
  timer.unref?.();
  return () => clearInterval(timer);
}

/**
 * A runner of ingest jobs over a handler's storage (see docs/console-api.md, "Knowledge
 * base"): a job is claimed (a lease in `knowledge_ingest_jobs`) before it runs, its lease is
 * renewed while it runs, and when its process stops midway any runner resumes it once the
 * lease ran out. Re-ingesting is idempotent (content hashes; a document's chunks are replaced
 * at once), so resuming runs the job again from the start.
 */
export function createKnowledgeJobRunner(options: {
  state: ChurnHandlerState;
  knowledgeBases: KnowledgeBaseCache;
  settings?: KnowledgeIngestSettings;
}): KnowledgeJobRunner & { loop: IntervalJob } {
  const { state, knowledgeBases } = options;
  const settings = resolveIngestSettings(options.settings);
  const running = new Map<string, RunningJob>();
  let closed = false;
  let waiting: ReturnType<typeof setTimeout> | undefined;

  // The first pass waits for the storage to open (a request opens it): look every second.
  function waitForStorage(): void {
    if (waiting !== undefined || closed) return;
    waiting = setTimeout(() => {
      waiting = undefined;
      loop.wake();
    }, 1000);
    waiting.unref?.();
  }

  async function openStorage(): Promise<{ storage: StorageV1; db: Kysely<Database> } | undefined> {
    const { storage } = await state.services.load();
    const db = kyselyOf(storage);
    return db ? { storage, db } : undefined;
  }

  async function execute(
    opened: { storage: StorageV1; db: Kysely<Database> },
    job: ClaimedJob,
    controller: AbortController,
  ): Promise<void> {
    const { db, storage } = opened;
    const sources = sourcesOf(job);
    if (!sources) {
      await updateClaimedJob(db, job, {
        status: 'failed',
        error:
          'The uploaded files of this job were not kept (it was queued before this version), so it cannot be resumed: upload them again.',
      });
      return;
    }
    const stopLease = keepLease(db, job, settings.leaseMs, controller);
    try {
      const outcome = await runJob({
        db,
        knowledgeBase: knowledgeBases.forTenant(storage, job.tenantId),
        job,
        sources,
        total: job.total,
        settings,
        logger: state.logger,
        signal: controller.signal,
      });
      if (outcome === 'aborted' && controller.signal.reason === closing) await releaseJob(db, job);
    } finally {
      stopLease();
    }
  }

  function launch(
    opened: { storage: StorageV1; db: Kysely<Database> },
    job: ClaimedJob,
    resumed: boolean,
  ): void {
    const controller = new AbortController();
    const done = execute(opened, job, controller)
      .catch((error: unknown) => {
        state.logger.warn('A knowledge ingest job could not be run.', {
          error: error instanceof Error ? error.message : String(error),
          tenantId: job.tenantId,
          jobId: job.id,
        });
      })
      .finally(() => {
        running.delete(job.id);
        // A resumed job done: look for the next one at once.
        if (resumed && !closed) loop.wake();
      });
    running.set(job.id, { controller, done, resumed });
  }

  const runner: KnowledgeJobRunner = {
    settings,
    async start({ tenantId, jobId }) {
      if (closed) return;
      try {
        const opened = await openStorage();
        if (!opened) return;
        const job = await claimJob(opened.db, { tenantId, jobId, leaseMs: settings.leaseMs });
        if (job && !closed) launch(opened, job, false);
        else if (job) await releaseJob(opened.db, job);
      } catch (error) {
        state.logger.warn(
          'A knowledge ingest job could not be started; another instance resumes it.',
          {
            error: error instanceof Error ? error.message : String(error),
            tenantId,
            jobId,
          },
        );
      }
    },
    async resumeStopped() {
      if (closed || !settings.resume) return [];
      if (!state.services.ready) {
        waitForStorage();
        return [];
      }
      const opened = await openStorage();
      if (!opened) return [];
      const failed = await failExhaustedJobs(opened.db, { maxAttempts: settings.maxAttempts });
      for (const jobId of failed) {
        state.logger.warn('A knowledge ingest job stopped too many times: marked failed.', {
          jobId,
          maxAttempts: settings.maxAttempts,
        });
      }
      // One resumed job at a time per process: a backlog is shared between instances.
      if ([...running.values()].some((job) => job.resumed)) return [];
      const jobs = await claimStoppedJobs(opened.db, {
        leaseMs: settings.leaseMs,
        maxAttempts: settings.maxAttempts,
        limit: 1,
      });
      for (const job of jobs) {
        if (closed) await releaseJob(opened.db, job);
        else launch(opened, job, true);
      }
      return jobs.map((job) => job.id);
    },
    async close() {
      closed = true;
      if (waiting !== undefined) clearTimeout(waiting);
      await loop.stop();
      const jobs = [...running.values()];
      for (const job of jobs) job.controller.abort(closing);
      await Promise.all(jobs.map((job) => job.done));
    },
  };

  const loop = createIntervalJob({
    name: 'knowledge ingest resume',
    intervalMs: settings.resumeIntervalMs,
    logger: state.logger,
    run: () => runner.resumeStopped(),
  });
  return Object.assign(runner, { loop });
}

const runners = new WeakMap<ChurnHandlerState, KnowledgeJobRunner>();

/**
 * Starts a handler's ingest job runner and its resume loop (a first pass at once, then every
 * `resumeIntervalMs`; unless `resume: false`). The knowledge routes find it by the handler's
 * state. Answers `close`, which stops the loop and hands the jobs running here back.
 */
export function startKnowledgeJobs(
  state: ChurnHandlerState,
  knowledgeBases: KnowledgeBaseCache,
  settings?: KnowledgeIngestSettings,
): KnowledgeJobRunner {
  const runner = createKnowledgeJobRunner({
    state,
    knowledgeBases,
    ...(settings ? { settings } : {}),
  });
  runners.set(state, runner);
  if (runner.settings.resume) {
    runner.loop.start();
    runner.loop.wake();
  }
  return runner;
}

/**
 * The ingest job runner of a handler: the one {@link startKnowledgeJobs} started, else one
 * without a resume loop (the routes mounted without it).
 */
export function knowledgeJobsOf(
  state: ChurnHandlerState,
  knowledgeBases: KnowledgeBaseCache,
  settings?: KnowledgeIngestSettings,
): KnowledgeJobRunner {
  let runner = runners.get(state);
  if (!runner) {
    runner = createKnowledgeJobRunner({
      state,
      knowledgeBases,
      settings: { ...settings, resume: false },
    });
    runners.set(state, runner);
  }
  return runner;
}
