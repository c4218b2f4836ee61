import type { ReactiveController, ReactiveControllerHost } from 'lit';
import type { ChurnChatController } from '../state/churn-chat-controller.js';

/**
 * The thin binding between the headless {@link ChurnChatController} and a Lit host: it
 * subscribes while the host is connected and asks the host to re-render on every change.
 */
export class ChatStateBinding implements ReactiveController {
  readonly #host: ReactiveControllerHost;
  #chat: ChurnChatController | undefined;
  #unsubscribe: (() => void) | undefined;
  #connected = false;

  constructor(host: ReactiveControllerHost) {
    this.#host = host;
    host.addController(this);
  }

  /** The chat being shown. */
  get chat(): ChurnChatController | undefined {
    return this.#chat;
  }

  /** Shows another chat (or none): the previous one is unsubscribed. */
  set chat(chat: ChurnChatController | undefined) {
    this.#unsubscribe?.();
    this.#unsubscribe = undefined;
    this.#chat = chat;
    if (this.#connected) this.#subscribe();
    this.#host.requestUpdate();
  }

  hostConnected(): void {
    this.#connected = true;
    this.#subscribe();
  }

  hostDisconnected(): void {
    this.#connected = false;
    this.#unsubscribe?.();
    this.#unsubscribe = undefined;
  }

  #subscribe(): void {
    if (!this.#chat || this.#unsubscribe) return;
    this.#unsubscribe = this.#chat.subscribe(() => this.#host.requestUpdate());
  }
}
