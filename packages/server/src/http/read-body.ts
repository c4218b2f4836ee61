import { ValidationError } from '@churn/core';
import type { z } from 'zod';
import { HttpError } from './http-error.js';

/** The default largest body the server reads: 1 MiB. */
export const defaultBodyLimit = 1024 * 1024;

/** Settings of {@link readBody}. */
export interface ReadBodyOptions {
  /** Largest body in bytes; a larger one answers 413. Default {@link defaultBodyLimit}. */
  limit?: number;
}

function tooLarge(limit: number): HttpError {
  return new HttpError(
    413,
    'payload_too_large',
    `The request body is larger than ${limit} bytes. Send a smaller body.`,
  );
}

/**
 * Reads a request's body as bytes, never more than `limit`: a `content-length` above it is
 * refused before reading, and a streamed body is cut off (and its stream cancelled) as soon
 * as it passes the limit. Both answer 413 (`payload_too_large`).
 */
export async function readBody(
  request: Request,
  options: ReadBodyOptions = {},
): Promise<Uint8Array> {
  const limit = options.limit ?? defaultBodyLimit;
  const declared = Number(request.headers.get('content-length'));
  if (Number.isFinite(declared) && declared > limit) throw tooLarge(limit);
  if (request.body === null) return new Uint8Array(0);
  if (request.bodyUsed) {
    throw new HttpError(
      500,
      'configuration',
      'The request body was already read before the Churn handler: give the handler the untouched request.',
    );
  }

  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      await reader.cancel().catch(() => undefined);
      throw tooLarge(limit);
    }
    chunks.push(value);
  }
  const body = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    body.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return body;
}

/**
 * Reads a request's body as text (UTF-8), with the size limit of {@link readBody}. The text
 * is exactly what was sent: use it for webhook signatures (`stripe.webhooks.constructEvent`).
 */
export async function readTextBody(
  request: Request,
  options: ReadBodyOptions = {},
): Promise<string> {
  return new TextDecoder('utf-8', { ignoreBOM: true }).decode(await readBody(request, options));
}

/** Settings of {@link readJsonBody}. */
export interface ReadJsonBodyOptions<TSchema extends z.ZodType | undefined>
  extends ReadBodyOptions {
  /** Validates the parsed body; failures answer 400 `validation_failed` with every issue. */
  schema?: TSchema;
  /** What the body is, for error messages. Default `'request body'`. */
  subject?: string;
}

/** Whether a `content-type` is JSON (`application/json` or `application/*+json`). */
export function isJsonContentType(contentType: string | null): boolean {
  if (!contentType) return false;
  const mediaType = contentType.split(';')[0]!.trim().toLowerCase();
  return mediaType === 'application/json' || /^application\/[a-z0-9.+-]+\+json$/.test(mediaType);
}

/**
 * Reads and parses a JSON body. Answers 415 when the `content-type` is not JSON, 413 when
 * the body passes the limit, 400 (`validation_failed`) when it is not valid JSON or does
 * not match `schema`.
 *
 * @example
 * const body = await readJsonBody(request, { schema: z.object({ text: z.string() }) });
 */
export async function readJsonBody<TSchema extends z.ZodType | undefined = undefined>(
  request: Request,
  options: ReadJsonBodyOptions<TSchema> = {},
): Promise<TSchema extends z.ZodType ? z.output<TSchema> : unknown> {
  const subject = options.subject ?? 'request body';
  const contentType = request.headers.get('content-type');
  if (!isJsonContentType(contentType)) {
    throw new HttpError(
      415,
      'unsupported_media_type',
      `The ${subject} must be JSON: send it with "content-type: application/json"${
        contentType ? ` (got "${contentType.slice(0, 100)}")` : ''
      }.`,
    );
  }
  const text = await readTextBody(request, options);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new ValidationError(
      subject,
      [{ path: [], message: `is not valid JSON (${(error as Error).message})` }],
      { cause: error },
    );
  }
  if (!options.schema) return value as TSchema extends z.ZodType ? z.output<TSchema> : unknown;
  const result = options.schema.safeParse(value);
  if (!result.success) throw ValidationError.fromZod(subject, result.error);
  return result.data as TSchema extends z.ZodType ? z.output<TSchema> : unknown;
}
