/**
 * The Stripe card step, loaded only when a `data-payment` part asks for it: loads Stripe.js
 * from a configurable URL (once per page), mounts the Payment Element into a light-DOM
 * container (Stripe Elements refuse shadow roots) and confirms the SetupIntent. 3-D Secure
 * and other `next_action`s are handled by Stripe.js itself (`redirect: 'if_required'`).
 */

/** The part of a Stripe.js `Stripe` instance the widget uses. */
export interface StripeInstance {
  elements(options: {
    clientSecret: string;
    appearance?: unknown;
    locale?: string;
  }): StripeElements;
  confirmSetup(options: {
    elements: StripeElements;
    redirect: 'if_required';
    confirmParams?: { return_url?: string };
  }): Promise<{
    error?: { type?: string; code?: string; message?: string };
    setupIntent?: { id: string; status: string };
  }>;
}

/** The part of a Stripe.js `Elements` group the widget uses. */
export interface StripeElements {
  create(type: 'payment', options?: unknown): StripeElement;
  submit?(): Promise<{ error?: { message?: string } }>;
}

/** A mounted Stripe Element. */
export interface StripeElement {
  mount(target: HTMLElement): void;
  destroy(): void;
  on?(event: 'ready' | 'change', handler: (event: unknown) => void): void;
}

/** `window.Stripe`. */
export type StripeFactory = (
  publishableKey: string,
  options?: { locale?: string },
) => StripeInstance;

/** The Stripe.js URL used when none is configured. */
export const defaultStripeJsUrl = 'https://js.stripe.com/v3';

const loading = new Map<string, Promise<StripeFactory>>();

/**
 * Adds the Stripe.js script tag (with `nonce`, for a strict CSP) once per URL and resolves
 * `window.Stripe`. A failed load can be tried again.
 */
export function loadStripeJs(
  url: string = defaultStripeJsUrl,
  nonce?: string,
): Promise<StripeFactory> {
  const existing = (globalThis as { Stripe?: StripeFactory }).Stripe;
  if (existing) return Promise.resolve(existing);
  const pending = loading.get(url);
  if (pending) return pending;
  const promise = new Promise<StripeFactory>((resolve, reject) => {
    const script = document.createElement('script');
    script.src = url;
    script.async = true;
    if (nonce) script.nonce = nonce;
    script.addEventListener('load', () => {
      const factory = (globalThis as { Stripe?: StripeFactory }).Stripe;
      if (factory) resolve(factory);
      else reject(new Error(`${url} loaded but did not define window.Stripe.`));
    });
    script.addEventListener('error', () => {
      script.remove();
      reject(new Error(`Stripe.js could not be loaded from ${url}.`));
    });
    document.head.append(script);
  });
  loading.set(url, promise);
  promise.catch(() => loading.delete(url));
  return promise;
}

/** What confirming the card gave. */
export type StripeConfirmation =
  | { status: 'succeeded'; setupIntentId: string }
  | { status: 'declined'; message: string }
  | { status: 'failed'; message: string };

/** A mounted Payment Element, ready to confirm. */
export interface StripePaymentSession {
  confirm(): Promise<StripeConfirmation>;
  destroy(): void;
}

/** Settings of {@link mountStripePayment}. */
export interface MountStripePaymentOptions {
  stripeJsUrl?: string;
  nonce?: string;
  publishableKey: string;
  clientSecret: string;
  /** A light-DOM element: Stripe mounts its iframe inside. */
  container: HTMLElement;
  locale?: string;
  appearance?: unknown;
}

/** Loads Stripe.js and mounts the Payment Element for a SetupIntent. */
export async function mountStripePayment(
  options: MountStripePaymentOptions,
): Promise<StripePaymentSession> {
  const factory = await loadStripeJs(options.stripeJsUrl, options.nonce);
  const stripe = factory(options.publishableKey, options.locale ? { locale: options.locale } : {});
  const elements = stripe.elements({
    clientSecret: options.clientSecret,
    ...(options.appearance ? { appearance: options.appearance } : {}),
  });
  const element = elements.create('payment', { layout: 'tabs' });
  element.mount(options.container);
  return {
    async confirm() {
      try {
        const result = await stripe.confirmSetup({ elements, redirect: 'if_required' });
        if (result.error) {
          const declined =
            result.error.type === 'card_error' || result.error.type === 'validation_error';
          const message = result.error.message ?? '';
          return declined ? { status: 'declined', message } : { status: 'failed', message };
        }
        const intent = result.setupIntent;
        if (intent && (intent.status === 'succeeded' || intent.status === 'processing')) {
          return { status: 'succeeded', setupIntentId: intent.id };
        }
        return { status: 'declined', message: '' };
      } catch (error) {
        return {
          status: 'failed',
          message: error instanceof Error ? error.message : String(error),
        };
      }
    },
    destroy() {
      element.destroy();
    },
  };
}
