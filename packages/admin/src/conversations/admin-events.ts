import type { AdminApiClient } from '../api/admin-api-client.js';

/** The events of `GET /api/admin/events`. */
export const adminEventNames = [
  'conversation.created',
  'conversation.updated',
  'message.created',
  'escalation.created',
  'escalation.updated',
] as const;

export type AdminEventName = (typeof adminEventNames)[number];

/** One event: its name and its JSON data (always with `conversationId`). */
export interface AdminEvent {
  name: AdminEventName;
  data: { conversationId?: string; [key: string]: unknown };
}

/** Whether events arrive live, are being (re)connected, or are unavailable (the page polls). */
export type AdminEventsState = 'connecting' | 'live' | 'unavailable';

/**
 * The tenant's live events over EventSource. The access token goes in the query (EventSource
 * cannot send headers) and expires in minutes, so the stream is reopened after each token
 * refresh; on an error it reconnects after a growing delay, and reports `unavailable`
 * meanwhile so the page can poll.
 */
export class AdminEvents {
  #api: AdminApiClient;
  #source: EventSource | undefined;
  #listeners = new Set<(event: AdminEvent) => void>();
  #stateListeners = new Set<(state: AdminEventsState) => void>();
  #retry: ReturnType<typeof setTimeout> | undefined;
  #attempts = 0;
  #stopSession: (() => void) | undefined;
  state: AdminEventsState = 'connecting';

  constructor(api: AdminApiClient) {
    this.#api = api;
  }

  start(): void {
    this.#stopSession = this.#api.onSessionChange(() => this.#open());
    this.#open();
  }

  stop(): void {
    this.#stopSession?.();
    clearTimeout(this.#retry);
    this.#source?.close();
    this.#source = undefined;
  }

  onEvent(listener: (event: AdminEvent) => void): void {
    this.#listeners.add(listener);
  }

  onState(listener: (state: AdminEventsState) => void): void {
    this.#stateListeners.add(listener);
  }

  #setState(state: AdminEventsState): void {
    this.state = state;
    for (const listener of this.#stateListeners) listener(state);
  }

  #open(): void {
    this.#source?.close();
    clearTimeout(this.#retry);
    if (!this.#api.signedIn) return;
    const source = new EventSource(this.#api.eventsUrl());
    this.#source = source;
    source.onopen = () => {
      this.#attempts = 0;
      this.#setState('live');
    };
    source.onerror = () => {
      if (source.readyState !== EventSource.CLOSED) return; // the browser reconnects itself
      this.#setState('unavailable');
      this.#attempts += 1;
      const delay = Math.min(60_000, 2_000 * 2 ** Math.min(this.#attempts, 5));
      this.#retry = setTimeout(() => this.#open(), delay);
    };
    for (const name of adminEventNames) {
      source.addEventListener(name, (message) => {
        let data: AdminEvent['data'] = {};
        try {
          const parsed: unknown = JSON.parse((message as MessageEvent<string>).data);
          if (typeof parsed === 'object' && parsed !== null) data = parsed as AdminEvent['data'];
        } catch {
          return; // not JSON: ignore rather than break the page
        }
        for (const listener of this.#listeners) listener({ name, data });
      });
    }
  }
}
