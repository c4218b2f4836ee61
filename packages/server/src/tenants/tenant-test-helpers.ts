import type { StorageV1 } from '@churn/core';
import { expect } from 'vitest';
import { type ChurnFetchHandler, createChurnHandler } from '../handler/create-churn-handler.js';
import type { ChurnLogger } from '../http/error-to-response.js';
import type { CreatedTenant } from './tenant-admin.js';

/** The platform key the test handlers are configured with. */
export const testPlatformKey = 'platform_test_key_0123456789abcdefghijklmnop';
/** The server secret the test handlers sign admin tokens with. */
export const testServerSecret = 'server_test_secret_0123456789abcdefghijklmnop';
/** Where the test handlers live. */
export const testOrigin = 'http://churn.test';

/** A logger that keeps what it is told, so tests stay quiet and can check it. */
export function memoryLogger(): ChurnLogger & { lines: string[] } {
  const lines: string[] = [];
  return {
    lines,
    error: (message) => void lines.push(`error: ${message}`),
    warn: (message) => void lines.push(`warn: ${message}`),
  };
}

/** The real handler over `storage`, with the test platform key and server secret. */
export function createTestHandler(storage: StorageV1): ChurnFetchHandler {
  return createChurnHandler({
    storage,
    platformKey: testPlatformKey,
    secret: testServerSecret,
    logger: memoryLogger(),
  });
}

/** The body of an error answer. */
export interface ErrorAnswerBody {
  error?: {
    code: string;
    message: string;
    issues?: { path: (string | number)[]; message: string }[];
  };
}

/** An answer of {@link callApi}: status, headers and the parsed JSON body. */
export interface ApiAnswer<TBody> {
  status: number;
  headers: Headers;
  /** The parsed JSON (an error answer has `error`); `undefined` for an empty body. */
  body: TBody & ErrorAnswerBody;
  /** The raw body text, to check what an answer does not contain. */
  text: string;
}

/** Calls the handler like a client: bearer token, JSON body, extra headers. */
export async function callApi<TBody = Record<string, unknown>>(
  handler: ChurnFetchHandler,
  method: string,
  path: string,
  options: { token?: string; body?: unknown; headers?: Record<string, string> } = {},
): Promise<ApiAnswer<TBody>> {
  const headers = new Headers(options.headers);
  if (options.token) headers.set('authorization', `Bearer ${options.token}`);
  if (options.body !== undefined) headers.set('content-type', 'application/json');
  const response = await handler(
    new Request(`${testOrigin}${path}`, {
      method,
      headers,
      ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }),
    }),
  );
  const text = await response.text();
  return {
    status: response.status,
    headers: response.headers,
    body: (text === '' ? undefined : JSON.parse(text)) as TBody & ErrorAnswerBody,
    text,
  };
}

/** Creates a tenant through `POST /api/tenants` and answers what it revealed. */
export async function createTestTenant(
  handler: ChurnFetchHandler,
  input: Record<string, unknown> = {},
): Promise<CreatedTenant> {
  const answer = await callApi<CreatedTenant>(handler, 'POST', '/api/tenants', {
    token: testPlatformKey,
    body: { name: 'Acme', ...input },
  });
  expect(answer.status, JSON.stringify(answer.body)).toBe(201);
  return answer.body;
}
