import OpenAI from 'openai';
import { ChurnError } from '../../errors/churn-error.js';

/** Settings both OpenAI factories share. */
export interface OpenAISettings {
  /** The secret key (`OPENAI_API_KEY`). Server-side only: never ship it to a browser. */
  apiKey: string;
  /**
   * Root of the API, ending in `/v1`. Defaults to `https://api.openai.com/v1`; point it at
   * any OpenAI-compatible server (Azure's compatible endpoint, vLLM, Ollama, LiteLLM, a local emulator).
   */
  baseURL?: string;
  /** OpenAI organisation and project, sent as headers when set. */
  organization?: string;
  project?: string;
  /** A `fetch` to use instead of the global one (proxies, tests, instrumentation). */
  fetch?: typeof globalThis.fetch;
  /**
   * Attempts after the first on 408, 409, 429, 5xx, dropped connections and timeouts.
   * Default 3. Backoff doubles from `initialRetryDelayMs` (jitter up to 25 %, at most
   * 8 s) unless the server sends `Retry-After`/`retry-after-ms`, which is obeyed up to 60 s.
   */
  maxRetries?: number;
  /** First backoff, in milliseconds. Default 500. */
  initialRetryDelayMs?: number;
  /**
   * Bound of one HTTP attempt, in milliseconds (for a stream: until the answer starts,
   * then between two chunks). A timed-out attempt counts as a retry. Default 60 000; 0 turns it off.
   */
  timeoutMs?: number;
  /** Extra headers on every request. */
  headers?: Record<string, string>;
}

/** The settings with defaults applied. */
export interface ResolvedOpenAISettings {
  client: OpenAI;
  baseURL: string;
  maxRetries: number;
  initialRetryDelayMs: number;
  timeoutMs: number;
}

/** Builds the SDK client with its own retries off (ours are abort-aware) and checks the settings. */
export function resolveOpenAISettings(settings: OpenAISettings): ResolvedOpenAISettings {
  if (typeof settings.apiKey !== 'string' || settings.apiKey.trim() === '') {
    throw new ChurnError(
      'configuration',
      'The OpenAI API key is missing: set OPENAI_API_KEY and pass it as apiKey.',
    );
  }
  const maxRetries = settings.maxRetries ?? 3;
  const timeoutMs = settings.timeoutMs ?? 60_000;
  const initialRetryDelayMs = settings.initialRetryDelayMs ?? 500;
  for (const [name, value] of Object.entries({ maxRetries, timeoutMs, initialRetryDelayMs })) {
    if (!Number.isFinite(value) || value < 0) {
      throw new ChurnError(
        'configuration',
        `OpenAI ${name} must be a number of 0 or more, got ${value}.`,
      );
    }
  }
  const baseURL = settings.baseURL ?? 'https://api.openai.com/v1';
  const client = new OpenAI({
    apiKey: settings.apiKey,
    baseURL,
    organization: settings.organization ?? null,
    project: settings.project ?? null,
    maxRetries: 0,
    // Our attempt signal enforces timeoutMs over the whole answer; this is only a backstop.
    timeout: timeoutMs > 0 ? timeoutMs + 1_000 : 600_000,
    ...(settings.fetch ? { fetch: settings.fetch } : {}),
    ...(settings.headers ? { defaultHeaders: settings.headers } : {}),
  });
  return { client, baseURL, maxRetries, initialRetryDelayMs, timeoutMs };
}
