import { html, nothing, type PropertyValues, type TemplateResult } from 'lit';
import { AdminApiClient, type Me } from '../api/admin-api-client.js';
import { errorMessage } from '../api/admin-api-error.js';
import { ConsoleElement } from '../elements/console-element.js';
import { type ConsoleRoute, ConsoleRouter } from '../router/console-router.js';
import { consoleNav, navItemOf } from './console-pages.js';

function readServer(): string {
  const fromHtml = document.documentElement.dataset.server;
  return fromHtml ?? '';
}

function sessionStore(): Storage | undefined {
  try {
    return window.sessionStorage;
  } catch {
    return undefined;
  }
}

/**
 * `<churn-admin-app>`: the console's shell. Signs the operator in, loads what they may do
 * from `GET /api/auth/me`, shows the navigation their role allows, and renders the page of
 * the current URL. Moves focus to each new page's heading and announces it.
 */
export class ChurnAdminApp extends ConsoleElement {
  static override properties = {
    ...ConsoleElement.properties,
    route: { state: true },
    me: { state: true },
    phase: { state: true },
    signInError: { state: true },
    busy: { state: true },
  };

  declare route: ConsoleRoute;
  declare me: Me | undefined;
  declare phase: 'starting' | 'signed-out' | 'signed-in';
  declare signInError: string;
  declare busy: boolean;
  #focusPending = false;

  constructor() {
    super();
    this.api = new AdminApiClient({ server: readServer(), store: sessionStore() });
    this.router = new ConsoleRouter();
    this.route = this.router.route;
    this.phase = 'starting';
    this.signInError = '';
    this.busy = false;
    this.router.subscribe((route) => {
      this.route = route;
      this.#focusPending = true;
    });
    this.api.onSessionChange(() => {
      if (!this.api.signedIn && this.phase === 'signed-in') {
        this.phase = 'signed-out';
        this.me = undefined;
        this.signInError = 'Your session ended. Sign in again.';
      }
    });
  }

  override connectedCallback(): void {
    super.connectedCallback();
    void this.#start();
  }

  async #start(): Promise<void> {
    if (this.api.session.refreshToken && (await this.api.refresh())) {
      await this.#loadMe();
      return;
    }
    this.phase = 'signed-out';
  }

  async #loadMe(): Promise<void> {
    try {
      this.me = await this.api.get<Me>('/api/auth/me');
      this.permissions = this.me.permissions;
      this.phase = 'signed-in';
      this.#focusPending = true;
    } catch (error) {
      this.phase = 'signed-out';
      this.signInError = errorMessage(error);
    }
  }

  async #signIn(event: SubmitEvent): Promise<void> {
    event.preventDefault();
    const form = event.currentTarget as HTMLFormElement;
    const data = new FormData(form);
    this.busy = true;
    this.signInError = '';
    try {
      await this.api.signIn({
        tenantId: String(data.get('tenantId') ?? '').trim(),
        email: String(data.get('email') ?? '').trim(),
        password: String(data.get('password') ?? ''),
      });
      await this.#loadMe();
    } catch (error) {
      this.signInError = errorMessage(error);
      await this.updateComplete;
      this.querySelector<HTMLElement>('#sign-in-error')?.focus();
    } finally {
      this.busy = false;
    }
  }

  async #signOut(): Promise<void> {
    await this.api.signOut();
    this.phase = 'signed-out';
    this.me = undefined;
    this.signInError = '';
  }

  protected override updated(changed: PropertyValues): void {
    super.updated(changed);
    const title = this.#title();
    document.title = title ? `${title} · Churn console` : 'Churn console';
    if (this.#focusPending && this.phase === 'signed-in') {
      this.#focusPending = false;
      // The page renders its heading after its own update: wait a frame.
      requestAnimationFrame(() => {
        const heading = this.querySelector<HTMLElement>('main h1');
        heading?.setAttribute('tabindex', '-1');
        heading?.focus();
      });
    }
  }

  #title(): string {
    if (this.phase !== 'signed-in') return 'Sign in';
    return navItemOf(this.route)?.label ?? 'Not found';
  }

  protected override render(): TemplateResult {
    if (this.phase === 'starting') {
      return html`<main id="main" class="centered"><p role="status">Loading the console…</p></main>`;
    }
    if (this.phase === 'signed-out') return this.#renderSignIn();
    const allowed = consoleNav.filter((item) => this.can(item.permission));
    const current = navItemOf(this.route);
    const user = this.me?.adminUser;
    return html`
      <a class="skip-link" href="#main">Skip to content</a>
      <header class="topbar">
        <a class="brand" href=${this.href('')}>Churn console</a>
        <div class="topbar-user">
          ${user ? html`<span>${user.name} <span class="role">(${user.role})</span></span>` : nothing}
          <button type="button" class="secondary" @click=${() => this.#signOut()}>Sign out</button>
        </div>
      </header>
      <div class="layout">
        <nav aria-label="Main">
          <ul>
            ${allowed.map(
              (item) => html`<li>
                <a href=${this.href(item.path)} aria-current=${item === current ? 'page' : 'false'}>${item.label}</a>
              </li>`,
            )}
          </ul>
        </nav>
        <main id="main" tabindex="-1">${this.#renderPage(allowed[0]?.path)}</main>
      </div>
    `;
  }

  #renderSignIn(): TemplateResult {
    const remembered = (() => {
      try {
        return localStorage.getItem('churn-admin.tenant') ?? '';
      } catch {
        return '';
      }
    })();
    return html`
      <main id="main" class="centered">
        <form class="card sign-in" @submit=${(event: SubmitEvent) => this.#signIn(event)} aria-labelledby="sign-in-title">
          <h1 id="sign-in-title">Sign in to the Churn console</h1>
          ${
            this.signInError
              ? html`<p id="sign-in-error" class="error" role="alert" tabindex="-1">${this.signInError}</p>`
              : nothing
          }
          <label for="tenant">Tenant</label>
          <input id="tenant" name="tenantId" required autocomplete="organization" .value=${remembered}
            @change=${(event: Event) => {
              try {
                localStorage.setItem(
                  'churn-admin.tenant',
                  (event.target as HTMLInputElement).value.trim(),
                );
              } catch {
                // Private mode: nothing to remember.
              }
            }} />
          <label for="email">Email</label>
          <input id="email" name="email" type="email" required autocomplete="username" />
          <label for="password">Password</label>
          <input id="password" name="password" type="password" required autocomplete="current-password" />
          <button type="submit" ?disabled=${this.busy}>${this.busy ? 'Signing in…' : 'Sign in'}</button>
        </form>
      </main>
    `;
  }

  #renderPage(home: string | undefined): TemplateResult {
    const route = this.route;
    if (route.page === 'home') {
      if (home) queueMicrotask(() => this.router.navigate(home, { replace: true }));
      return html`<h1>Welcome</h1><p>Your role has no console pages.</p>`;
    }
    const item = navItemOf(route);
    if (!item) {
      return html`<h1>Page not found</h1><p>Nothing at <code>${route.page === 'not-found' ? route.path : ''}</code>. Pick a page in the navigation.</p>`;
    }
    if (!this.can(item.permission)) {
      return html`<h1>Not allowed</h1><p>Your role cannot open ${item.label}. Ask an admin of the tenant.</p>`;
    }
    const common = { api: this.api, router: this.router, permissions: this.permissions };
    switch (route.page) {
      case 'customers':
        return html`<churn-customers-page .api=${common.api} .router=${common.router} .permissions=${common.permissions}></churn-customers-page>`;
      case 'customer':
        return html`<churn-customer-page .api=${common.api} .router=${common.router} .permissions=${common.permissions} .customerId=${route.id}></churn-customer-page>`;
      case 'rules':
        return html`<churn-rules-page .api=${common.api} .router=${common.router} .permissions=${common.permissions}></churn-rules-page>`;
      case 'conversations':
        return html`<churn-conversations-page .api=${common.api} .router=${common.router} .permissions=${common.permissions} .conversationId=${route.id}></churn-conversations-page>`;
      case 'escalations':
        return html`<churn-escalations-page .api=${common.api} .router=${common.router} .permissions=${common.permissions}></churn-escalations-page>`;
      case 'metrics':
        return html`<churn-metrics-page .api=${common.api} .router=${common.router} .permissions=${common.permissions}></churn-metrics-page>`;
      case 'knowledge':
        return html`<churn-knowledge-page .api=${common.api} .router=${common.router} .permissions=${common.permissions}></churn-knowledge-page>`;
      case 'document':
        return html`<churn-document-page .api=${common.api} .router=${common.router} .permissions=${common.permissions} .documentId=${route.id}></churn-document-page>`;
      case 'settings':
        return html`<churn-settings-page .api=${common.api} .router=${common.router} .permissions=${common.permissions}></churn-settings-page>`;
      default:
        return html`<h1>Page not found</h1>`;
    }
  }
}
