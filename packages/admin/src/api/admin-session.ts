/** What `POST /api/auth/sign-in` and `/refresh` answer. */
export interface SessionTokens {
  accessToken: string;
  expiresIn: number;
  expiresAt: string;
  refreshToken: string;
  refreshExpiresAt: string;
  adminUser: AdminUser;
}

/** An admin user as the API shows it. */
export interface AdminUser {
  id: string;
  tenantId: string;
  name: string;
  email: string;
  role: 'admin' | 'supervisor' | 'support-agent' | 'developer';
}

/** The small part of `Storage` the session needs (sessionStorage in the browser). */
export type SessionStore = Pick<Storage, 'getItem' | 'setItem' | 'removeItem'>;

const refreshKey = 'churn-admin.refresh-token';

/**
 * The signed-in operator's tokens. The access token lives in memory only; the refresh token
 * is kept in `sessionStorage` (this tab, until it closes) so a reload stays signed in. Each
 * refresh token is single use, so concurrent refreshes share one request.
 */
export class AdminSession {
  #tokens: SessionTokens | undefined;
  #store: SessionStore | undefined;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #onExpiring: () => void;

  constructor(options: { store?: SessionStore | undefined; onExpiring: () => void }) {
    this.#store = options.store;
    this.#onExpiring = options.onExpiring;
  }

  get accessToken(): string | undefined {
    return this.#tokens?.accessToken;
  }

  get adminUser(): AdminUser | undefined {
    return this.#tokens?.adminUser;
  }

  /** The refresh token of this tab, from memory or sessionStorage. */
  get refreshToken(): string | undefined {
    return this.#tokens?.refreshToken ?? this.#store?.getItem(refreshKey) ?? undefined;
  }

  /** Keeps new tokens and schedules a refresh a minute before the access token expires. */
  set(tokens: SessionTokens): void {
    this.#tokens = tokens;
    this.#store?.setItem(refreshKey, tokens.refreshToken);
    clearTimeout(this.#timer);
    const delay = Math.max(5, tokens.expiresIn - 60) * 1000;
    this.#timer = setTimeout(() => this.#onExpiring(), delay);
  }

  clear(): void {
    this.#tokens = undefined;
    this.#store?.removeItem(refreshKey);
    clearTimeout(this.#timer);
  }
}
