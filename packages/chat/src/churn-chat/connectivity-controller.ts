import type { ReactiveController, ReactiveControllerHost } from 'lit';

/** What {@link ConnectivityController} reports to. */
export interface ConnectivityTarget {
  /** The network went down or came back (`online`/`offline` events). */
  onOnlineChange(online: boolean): void;
  /** The tab became visible again (a sleeping tab, a phone unlocked). */
  onVisible(): void;
}

/**
 * Watches the outside world a chat stream depends on: `online`/`offline` and
 * `visibilitychange`. Listens only while the host is connected, so it is SSR-safe and
 * leaves nothing behind.
 */
export class ConnectivityController implements ReactiveController {
  readonly #target: ConnectivityTarget;
  readonly #abort = { current: undefined as AbortController | undefined };

  constructor(host: ReactiveControllerHost, target: ConnectivityTarget) {
    this.#target = target;
    host.addController(this);
  }

  hostConnected(): void {
    const abort = new AbortController();
    this.#abort.current = abort;
    const options = { signal: abort.signal };
    window.addEventListener('online', () => this.#target.onOnlineChange(true), options);
    window.addEventListener('offline', () => this.#target.onOnlineChange(false), options);
    document.addEventListener(
      'visibilitychange',
      () => {
        if (document.visibilityState === 'visible') this.#target.onVisible();
      },
      options,
    );
    if (!navigator.onLine) this.#target.onOnlineChange(false);
  }

  hostDisconnected(): void {
    this.#abort.current?.abort();
    this.#abort.current = undefined;
  }
}
