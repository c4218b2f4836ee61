import { AdminApiError, toAdminApiError } from './admin-api-error.js';
import { AdminSession, type SessionStore, type SessionTokens } from './admin-session.js';

/** `GET /api/auth/me`: who is signed in and what they may do. */
export interface Me {
  permissions: string[];
  adminUser?: SessionTokens['adminUser'];
  principal: { kind: string; tenantId?: string };
}

/** Query values; `undefined` and `''` are left out. */
export type Query = Record<string, string | number | boolean | undefined | null>;

/** Settings of {@link AdminApiClient}. */
export interface AdminApiClientSettings {
  /** The API's origin (and base path), like `https://api.example.com`; `''` for this origin. */
  server: string;
  fetch?: typeof globalThis.fetch;
  /** Where the refresh token survives a reload: `sessionStorage` in the browser. */
  store?: SessionStore;
}

/**
 * The console's only way to the server: adds the access token, refreshes it before it
 * expires (and once more on a 401), and turns every failure into an {@link AdminApiError}
 * carrying the server's `error.message`.
 */
export class AdminApiClient {
  readonly server: string;
  readonly session: AdminSession;
  #fetch: typeof globalThis.fetch;
  #refreshing: Promise<boolean> | undefined;
  #listeners = new Set<() => void>();

  constructor(settings: AdminApiClientSettings) {
    this.server = settings.server.replace(/\/+$/, '');
    this.#fetch = settings.fetch ?? globalThis.fetch.bind(globalThis);
    this.session = new AdminSession({
      store: settings.store,
      onExpiring: () => void this.refresh(),
    });
  }

  /** Calls `listener` when the operator signs in or out (or the session ends). */
  onSessionChange(listener: () => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  #changed(): void {
    for (const listener of this.#listeners) listener();
  }

  get signedIn(): boolean {
    return this.session.accessToken !== undefined;
  }

  url(path: string, query?: Query): string {
    const search = new URLSearchParams();
    for (const [key, value] of Object.entries(query ?? {})) {
      if (value === undefined || value === null || value === '') continue;
      search.set(key, String(value));
    }
    const text = search.toString();
    return `${this.server}${path}${text ? `?${text}` : ''}`;
  }

  async #send(
    method: string,
    path: string,
    options: { query?: Query; body?: unknown; auth: boolean },
  ): Promise<Response> {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (options.body !== undefined) headers['content-type'] = 'application/json';
    const token = this.session.accessToken;
    if (options.auth && token) headers.authorization = `Bearer ${token}`;
    try {
      return await this.#fetch(this.url(path, options.query), {
        method,
        headers,
        ...(options.body !== undefined ? { body: JSON.stringify(options.body) } : {}),
      });
    } catch (error) {
      throw new AdminApiError(
        0,
        'network',
        `The server at ${this.server || location.origin} could not be reached. Check your connection and try again.`,
        { cause: error },
      );
    }
  }

  /** One API call; answers the parsed JSON body or throws an {@link AdminApiError}. */
  async request<T>(
    method: string,
    path: string,
    options: { query?: Query; body?: unknown } = {},
  ): Promise<T> {
    let response = await this.#send(method, path, { ...options, auth: true });
    if (response.status === 401 && this.session.refreshToken && (await this.refresh())) {
      response = await this.#send(method, path, { ...options, auth: true });
    }
    if (!response.ok) {
      const error = await toAdminApiError(response);
      if (response.status === 401) this.#end();
      throw error;
    }
    if (response.status === 204) return undefined as T;
    return (await response.json()) as T;
  }

  get<T>(path: string, query?: Query): Promise<T> {
    return this.request<T>('GET', path, query ? { query } : {});
  }

  post<T>(path: string, body: unknown = {}): Promise<T> {
    return this.request<T>('POST', path, { body });
  }

  patch<T>(path: string, body: unknown): Promise<T> {
    return this.request<T>('PATCH', path, { body });
  }

  put<T>(path: string, body: unknown): Promise<T> {
    return this.request<T>('PUT', path, { body });
  }

  delete<T = void>(path: string): Promise<T> {
    return this.request<T>('DELETE', path);
  }

  async signIn(credentials: { tenantId: string; email: string; password: string }): Promise<void> {
    const response = await this.#send('POST', '/api/auth/sign-in', {
      body: credentials,
      auth: false,
    });
    if (!response.ok) throw await toAdminApiError(response);
    this.session.set((await response.json()) as SessionTokens);
    this.#changed();
  }

  /** Trades the refresh token for new tokens; false (and signed out) when it no longer works. */
  refresh(): Promise<boolean> {
    this.#refreshing ??= (async () => {
      const refreshToken = this.session.refreshToken;
      if (!refreshToken) return false;
      try {
        const response = await this.#send('POST', '/api/auth/refresh', {
          body: { refreshToken },
          auth: false,
        });
        if (!response.ok) {
          this.#end();
          return false;
        }
        this.session.set((await response.json()) as SessionTokens);
        this.#changed();
        return true;
      } catch {
        return false;
      } finally {
        this.#refreshing = undefined;
      }
    })();
    return this.#refreshing;
  }

  async signOut(): Promise<void> {
    const refreshToken = this.session.refreshToken;
    this.#end();
    if (refreshToken) {
      await this.#send('POST', '/api/auth/sign-out', { body: { refreshToken }, auth: false }).catch(
        () => undefined,
      );
    }
  }

  #end(): void {
    const wasSignedIn = this.signedIn;
    this.session.clear();
    if (wasSignedIn) this.#changed();
  }

  /**
   * The URL of the live event stream. EventSource cannot send headers, so the short-lived
   * access token goes in `?access_token=`; the stream is reopened after each refresh.
   */
  eventsUrl(): string {
    return this.url('/api/admin/events', { access_token: this.session.accessToken });
  }
}
