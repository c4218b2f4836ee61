/** One screen of the console, matched from the path below the console's base. */
export type ConsoleRoute =
  | { page: 'home' }
  | { page: 'customers' }
  | { page: 'customer'; id: string }
  | { page: 'rules' }
  | { page: 'conversations'; id?: string }
  | { page: 'escalations' }
  | { page: 'metrics' }
  | { page: 'knowledge' }
  | { page: 'document'; id: string }
  | { page: 'settings' }
  | { page: 'not-found'; path: string };

/** Matches a path relative to the base (`customers/cus_1`) to a route. */
export function matchRoute(relativePath: string): ConsoleRoute {
  const parts = relativePath
    .split('/')
    .filter(Boolean)
    .map((part) => decodeURIComponent(part));
  const [first, second, third] = parts;
  if (!first) return { page: 'home' };
  if (first === 'customers' && !second) return { page: 'customers' };
  if (first === 'customers' && second && !third) return { page: 'customer', id: second };
  if (first === 'rules' && !second) return { page: 'rules' };
  if (first === 'conversations' && !third)
    return second ? { page: 'conversations', id: second } : { page: 'conversations' };
  if (first === 'escalations' && !second) return { page: 'escalations' };
  if (first === 'metrics' && !second) return { page: 'metrics' };
  if (first === 'knowledge' && !second) return { page: 'knowledge' };
  if (first === 'knowledge' && second === 'documents' && third)
    return { page: 'document', id: third };
  if (first === 'settings' && !second) return { page: 'settings' };
  return { page: 'not-found', path: relativePath };
}

/**
 * The path the console is served at: the folder above its scripts' `assets/` folder
 * (`/admin/assets/console-X.js` → `/admin/`), so the app works at any mount path.
 */
export function consoleBasePath(moduleUrl: string = import.meta.url): string {
  const url = new URL(moduleUrl);
  if (!/\/assets\/[^/]+$/.test(url.pathname)) return '/admin/';
  return new URL('../', url).pathname;
}

/**
 * Routing with the History API below the console's base path (`/admin/` by default), so
 * every screen has a deep link the server answers with index.html. Same-origin links inside
 * the base are followed without a reload.
 */
export class ConsoleRouter {
  readonly basePath: string;
  #listeners = new Set<(route: ConsoleRoute) => void>();

  constructor(basePath: string = consoleBasePath()) {
    this.basePath = basePath.endsWith('/') ? basePath : `${basePath}/`;
    window.addEventListener('popstate', () => this.#emit());
    document.addEventListener('click', (event) => this.#onClick(event));
  }

  /** The path below the base, without leading slash. */
  get relativePath(): string {
    const path = location.pathname;
    if (`${path}/` === this.basePath) return '';
    return path.startsWith(this.basePath)
      ? path.slice(this.basePath.length)
      : path.replace(/^\//, '');
  }

  get route(): ConsoleRoute {
    return matchRoute(this.relativePath);
  }

  /** The absolute href of a console path (`customers/cus_1` → `/admin/customers/cus_1`). */
  href(relativePath: string): string {
    return `${this.basePath}${relativePath.replace(/^\//, '')}`;
  }

  navigate(relativePath: string, options: { replace?: boolean } = {}): void {
    const href = this.href(relativePath);
    if (href === location.pathname + location.search) return;
    history[options.replace ? 'replaceState' : 'pushState'](null, '', href);
    this.#emit();
  }

  subscribe(listener: (route: ConsoleRoute) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  #emit(): void {
    const route = this.route;
    for (const listener of this.#listeners) listener(route);
  }

  #onClick(event: MouseEvent): void {
    if (event.defaultPrevented || event.button !== 0) return;
    if (event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
    const anchor = event
      .composedPath()
      .find((node): node is HTMLAnchorElement => node instanceof HTMLAnchorElement);
    if (!anchor || anchor.target || anchor.hasAttribute('download')) return;
    const url = new URL(anchor.href, location.href);
    if (url.origin !== location.origin || !url.pathname.startsWith(this.basePath)) return;
    // In-page links (the skip link) keep their default.
    if (url.hash && url.pathname === location.pathname) return;
    event.preventDefault();
    history.pushState(null, '', url.pathname + url.search);
    this.#emit();
  }
}
