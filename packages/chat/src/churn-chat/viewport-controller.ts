import type { ReactiveController, ReactiveControllerHost } from 'lit';

/**
 * Keeps the full-screen mobile panel inside the visual viewport, so the composer stays above
 * the on-screen keyboard: writes `--churn-viewport-height` and `--churn-viewport-top` (in
 * px) on the element it is given, from `window.visualViewport`.
 */
export class ViewportController implements ReactiveController {
  readonly #target: () => HTMLElement | null | undefined;
  #abort: AbortController | undefined;

  constructor(host: ReactiveControllerHost, target: () => HTMLElement | null | undefined) {
    this.#target = target;
    host.addController(this);
  }

  hostConnected(): void {
    const viewport = window.visualViewport;
    if (!viewport) return;
    this.#abort = new AbortController();
    const options = { signal: this.#abort.signal, passive: true };
    viewport.addEventListener('resize', () => this.update(), options);
    viewport.addEventListener('scroll', () => this.update(), options);
  }

  hostDisconnected(): void {
    this.#abort?.abort();
    this.#abort = undefined;
  }

  /** Writes the current viewport size. */
  update(): void {
    const viewport = window.visualViewport;
    const target = this.#target();
    if (!viewport || !target) return;
    target.style.setProperty('--churn-viewport-height', `${Math.round(viewport.height)}px`);
    target.style.setProperty('--churn-viewport-top', `${Math.round(viewport.offsetTop)}px`);
  }
}
