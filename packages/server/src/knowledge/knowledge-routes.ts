import type { IngestSource } from '@churn/core';
import { z } from 'zod';
import type { KnowledgeBaseCache } from '../chat/knowledge-base-cache.js';
import { consoleDbOf } from '../customers/console-db.js';
import type { ChurnHandlerState } from '../handler/create-churn-handler.js';
import { HttpError } from '../http/http-error.js';
import { jsonResponse } from '../http/json-response.js';
import { limitParameter } from '../http/page-query.js';
import { readJsonBody } from '../http/read-body.js';
import { readQuery } from '../http/read-query.js';
import type { Route, RouteContext, RouteOpenApi } from '../http/router.js';
import { authenticateRoute } from '../identity/authenticate.js';
import { requirePermission } from '../identity/permissions.js';
import { DocumentListQuerySchema, listDocuments } from './knowledge-documents.js';
import { knowledgeJobsOf } from './knowledge-job-runner.js';
import {
  createJob,
  getJob,
  type JobSource,
  type KnowledgeIngestSettings,
  listJobs,
} from './knowledge-jobs.js';

type Context = RouteContext<ChurnHandlerState>;

const noStore = { 'cache-control': 'no-store' };
const idPattern = /^[A-Za-z0-9_:.-]{1,256}$/;
const object = z.looseObject({});
const admin: RouteOpenApi['security'] = ['secret', 'admin'];
const formats = {
  md: 'markdown',
  markdown: 'markdown',
  html: 'html',
  htm: 'html',
  txt: 'text',
} as const;

const httpUrl = z
  .string({ error: 'must be a URL' })
  .max(2000, { error: 'must be at most 2000 characters' })
  .refine(
    (value) => {
      try {
        const protocol = new URL(value).protocol;
        return protocol === 'http:' || protocol === 'https:';
      } catch {
        return false;
      }
    },
    { error: 'must be an absolute http or https URL like https://docs.example.com/' },
  );

/** Body of `POST /api/knowledge/sources`. */
export const KnowledgeSourceSchema = z.discriminatedUnion(
  'kind',
  [
    z.strictObject({
      kind: z.literal('site'),
      url: httpUrl,
      maxPages: z.number().int().min(1).max(1000, { error: 'must be at most 1000' }).optional(),
      maxDepth: z.number().int().min(0).max(10, { error: 'must be at most 10' }).optional(),
    }),
    z.strictObject({
      kind: z.literal('files'),
      files: z
        .array(
          z.strictObject({
            name: z
              .string({ error: 'must be a file name like refunds.md' })
              .trim()
              .min(1, { error: 'must not be empty' })
              .max(200, { error: 'must be at most 200 characters' })
              .regex(/\.(md|markdown|html|htm|txt)$/i, {
                error: 'must end in .md, .markdown, .html, .htm or .txt (Markdown, HTML or text)',
              }),
            content: z
              .string({ error: 'must be the file text' })
              .min(1, { error: 'must not be empty' })
              .max(1024 * 1024, { error: 'must be at most 1 MiB of text' }),
          }),
        )
        .min(1, { error: 'must hold at least one file' })
        .max(50, { error: 'must hold at most 50 files per upload' }),
    }),
  ],
  { error: 'must have kind "site" (with url) or "files" (with files)' },
);

/** Body of `POST /api/knowledge/ask`. */
export const AskSchema = z.strictObject({
  question: z
    .string({ error: 'must be the question text' })
    .trim()
    .min(1, { error: 'must not be empty' })
    .max(2000, { error: 'must be at most 2000 characters' }),
});

const JobsQuerySchema = z.object({
  limit: limitParameter(100, 20),
});

function notFound(what: string, id: string): HttpError {
  return new HttpError(
    404,
    'not_found',
    `No ${what} "${id.slice(0, 128)}" in this tenant: check the id.`,
  );
}

async function open(context: Context, permission: 'knowledge:read' | 'knowledge:write') {
  const principal = await authenticateRoute(context);
  requirePermission(principal, permission);
  const db = await consoleDbOf(context.state);
  const { storage } = await context.state.services.load();
  return { principal, db, storage };
}

/**
 * The console's knowledge base (`knowledge:read`: every role; `knowledge:write`: admin and
 * developer):
 *
 * | route | what |
 * | --- | --- |
 * | `GET /api/knowledge/documents` | documents with chunk and token counts |
 * | `GET /api/knowledge/documents/:id` | a document and its chunks |
 * | `POST /api/knowledge/sources` | a site to crawl or files to ingest: a background job (202) |
 * | `GET /api/knowledge/jobs`, `GET /api/knowledge/jobs/:id` | jobs with progress and report |
 * | `POST /api/knowledge/ask` | a test question: retrieved chunks with scores, the answer |
 */
export function knowledgeRoutes(
  knowledgeBases: KnowledgeBaseCache,
  settings: KnowledgeIngestSettings = {},
): Route<ChurnHandlerState>[] {
  return [
    {
      method: 'GET',
      path: '/api/knowledge/documents',
      description: "The tenant's documents (?q, ?docType, ?category, ?cursor).",
      openapi: {
        summary: 'List knowledge base documents, most recently scraped first.',
        tags: ['knowledge'],
        security: admin,
        query: DocumentListQuerySchema,
        responses: {
          '200': {
            description: 'A page of documents.',
            schema: z.looseObject({
              documents: z.array(object),
              nextCursor: z.string().nullable(),
            }),
          },
        },
      },
      handler: async (context) => {
        const { principal, db } = await open(context, 'knowledge:read');
        const query = readQuery(context.url, DocumentListQuerySchema);
        return jsonResponse(await listDocuments(db, principal.tenantId, query), {
          headers: noStore,
        });
      },
    },
    {
      method: 'GET',
      path: '/api/knowledge/documents/:id',
      description: 'A document and its chunks.',
      openapi: {
        summary: 'A document and its chunks (heading path, content, token count).',
        tags: ['knowledge'],
        security: admin,
        responses: {
          '200': {
            description: 'The document.',
            schema: z.looseObject({ document: object, chunks: z.array(object) }),
          },
        },
      },
      handler: async (context) => {
        const { principal, storage } = await open(context, 'knowledge:read');
        const id = context.params.id ?? '';
        const tenantId = principal.tenantId;
        const document = idPattern.test(id)
          ? await storage.knowledge.getDocument({ tenantId, documentId: id })
          : undefined;
        if (!document) throw notFound('document', id);
        const chunks = await storage.knowledge.listChunks({ tenantId, documentIds: [id] });
        chunks.sort((a, b) => a.metadata.index - b.metadata.index);
        return jsonResponse(
          {
            document: {
              id: document.id,
              title: document.title,
              sourceUrl: document.sourceUrl,
              sourceId: document.sourceId,
              docType: document.docType,
              category: document.category,
              lastUpdated: document.lastUpdated.toISOString(),
              scrapedAt: document.scrapedAt.toISOString(),
              chunkCount: chunks.length,
              tokenCount: chunks.reduce((sum, chunk) => sum + chunk.tokenCount, 0),
            },
            chunks: chunks.map((chunk) => ({
              id: chunk.id,
              index: chunk.metadata.index,
              headingPath: chunk.metadata.headingPath,
              content: chunk.content,
              tokenCount: chunk.tokenCount,
            })),
          },
          { headers: noStore },
        );
      },
    },
    {
      method: 'POST',
      path: '/api/knowledge/sources',
      description: 'Add a site to crawl or files to ingest: runs as a background job (202).',
      openapi: {
        summary:
          'Add a site to crawl or upload files; ingestion runs in the background (202 + job).',
        description:
          'The crawler honours robots.txt and refuses private, loopback and link-local addresses (SSRF guard). Files are Markdown, HTML or text; re-uploading a file of the same name updates its document.',
        tags: ['knowledge'],
        security: admin,
        requestBody: KnowledgeSourceSchema,
        responses: {
          '202': { description: 'The queued job.', schema: z.looseObject({ job: object }) },
        },
      },
      handler: async (context) => {
        const { principal, db } = await open(context, 'knowledge:write');
        const body = await readJsonBody(context.request, {
          schema: KnowledgeSourceSchema,
          limit: 12 * 1024 * 1024,
          subject: 'knowledge source',
        });
        let sources: IngestSource[];
        let source: JobSource;
        if (body.kind === 'site') {
          sources = [
            {
              type: 'crawl',
              url: body.url,
              ...(body.maxPages === undefined ? {} : { maxPages: body.maxPages }),
              ...(body.maxDepth === undefined ? {} : { maxDepth: body.maxDepth }),
            },
          ];
          source = { ...body };
        } else {
          sources = body.files.map((file) => {
            const extension = file.name.split('.').pop()!.toLowerCase() as keyof typeof formats;
            return {
              type: 'text' as const,
              id: `upload:${file.name}`,
              sourceId: `upload:${file.name}`,
              content: file.content,
              format: formats[extension],
            };
          });
          source = {
            kind: 'files',
            files: body.files.map((file) => ({ name: file.name, bytes: file.content.length })),
          };
        }
        const jobs = knowledgeJobsOf(context.state, knowledgeBases, settings);
        const job = await createJob(db, {
          tenantId: principal.tenantId,
          source,
          sources,
          createdBy: principal.kind === 'admin' ? principal.adminUserId : null,
          ...(body.kind === 'files' ? { total: body.files.length } : {}),
          leaseMs: jobs.settings.leaseMs,
        });
        void jobs.start({ tenantId: principal.tenantId, jobId: job.id });
        return jsonResponse({ job }, { status: 202, headers: noStore });
      },
    },
    {
      method: 'GET',
      path: '/api/knowledge/jobs',
      description: "The tenant's latest ingest jobs (?limit).",
      openapi: {
        summary: 'Ingest jobs, newest first, with progress.',
        tags: ['knowledge'],
        security: admin,
        query: JobsQuerySchema,
        responses: {
          '200': { description: 'The jobs.', schema: z.looseObject({ jobs: z.array(object) }) },
        },
      },
      handler: async (context) => {
        const { principal, db } = await open(context, 'knowledge:read');
        const query = readQuery(context.url, JobsQuerySchema);
        return jsonResponse(
          { jobs: await listJobs(db, principal.tenantId, query.limit) },
          { headers: noStore },
        );
      },
    },
    {
      method: 'GET',
      path: '/api/knowledge/jobs/:id',
      description: 'One ingest job with its progress and report.',
      openapi: {
        summary: 'One ingest job: status, progress, per-source report, error.',
        tags: ['knowledge'],
        security: admin,
        responses: { '200': { description: 'The job.', schema: z.looseObject({ job: object }) } },
      },
      handler: async (context) => {
        const { principal, db } = await open(context, 'knowledge:read');
        const id = context.params.id ?? '';
        const job = idPattern.test(id) ? await getJob(db, principal.tenantId, id) : undefined;
        if (!job) throw notFound('ingest job', id);
        return jsonResponse({ job }, { headers: noStore });
      },
    },
    {
      method: 'POST',
      path: '/api/knowledge/ask',
      description: 'A test question: the retrieved chunks with their scores, and the answer.',
      openapi: {
        summary:
          'Ask a test question: retrieved chunks with scores, the answer with its confidence.',
        description:
          'Nothing is stored as a conversation and nothing counts against the usage quota.',
        tags: ['knowledge'],
        security: admin,
        requestBody: AskSchema,
        responses: {
          '200': {
            description: 'The answer and what retrieval found.',
            schema: z.looseObject({
              answer: z.string(),
              confidence: z.number(),
              citations: z.array(object),
              retrieved: z.array(object),
            }),
          },
        },
      },
      handler: async (context) => {
        const { principal, storage } = await open(context, 'knowledge:read');
        const body = await readJsonBody(context.request, {
          schema: AskSchema,
          limit: 16 * 1024,
          subject: 'question',
        });
        const knowledgeBase = knowledgeBases.forTenant(storage, principal.tenantId);
        const signal = context.request.signal;
        const chunks = await knowledgeBase.search(body.question, { signal });
        const { stream, result } = await knowledgeBase.answer(body.question, { chunks, signal });
        // Read the answer to its end (the result settles once the stream is consumed).
        const reader = stream.getReader();
        while (!(await reader.read()).done) {}
        const answer = await result;
        return jsonResponse(
          {
            answer: answer.text,
            confidence: answer.confidence,
            citations: answer.citations,
            retrieved: chunks.map((chunk) => ({
              chunkId: chunk.chunkId,
              documentId: chunk.documentId,
              title: chunk.metadata.title,
              headingPath: chunk.metadata.headingPath,
              content: chunk.content,
              score: chunk.rerankScore,
              rank: chunk.rank,
              scores: {
                vector: chunk.similarityScore,
                keyword: chunk.lexicalScore,
                fused: chunk.fusedScore,
                rerank: chunk.rerankScore,
              },
            })),
          },
          { headers: noStore },
        );
      },
    },
  ];
}
