import { html, nothing, type PropertyValues, type TemplateResult } from 'lit';
import { errorMessage } from '../api/admin-api-error.js';
import { ConsoleElement } from '../elements/console-element.js';
import { formatDateTime, formatNumber, humanize } from '../elements/format.js';
import { AdminEvents, type AdminEventsState } from './admin-events.js';
import { appendPage, mergeFirstPage } from './conversation-list-merge.js';

/** A row of `GET /api/admin/conversations`. */
export interface ConversationSummary {
  id: string;
  kind: 'support' | 'recovery';
  status: string;
  customer: { id: string; name: string } | null;
  visitorId?: string | null;
  lastMessage: { role: string; text: string; at: string } | null;
  operator: { id: string; name: string } | null;
  startedAt: string;
  lastActivityAt: string;
}

/** A message of `GET /api/admin/conversations/{id}`. */
export interface TranscriptMessage {
  id: string;
  role: 'user' | 'assistant' | 'operator' | 'system';
  text: string;
  citations?: { title?: string; url?: string }[];
  confidence?: number;
  createdAt: string;
  author?: { id?: string; name?: string } | string;
}

interface ConversationDetail {
  conversation: ConversationSummary & Record<string, unknown>;
  messages: TranscriptMessage[];
}

const pollMs = 10_000;

function authorOf(message: TranscriptMessage): string {
  if (message.role === 'operator') {
    const author = message.author;
    return typeof author === 'string' ? author : (author?.name ?? 'Operator');
  }
  return (
    { user: 'Customer', assistant: 'Assistant', system: 'System' }[message.role] ?? message.role
  );
}

/**
 * `<churn-conversations-page>`: support and recovery conversations, newest activity first,
 * and the open one's transcript, both updated live from `GET /api/admin/events` (polling
 * every 10 s while the stream is unavailable). An operator takes a conversation over, replies
 * in the same thread, and hands it back to the assistant.
 */
export class ChurnConversationsPage extends ConsoleElement {
  static override properties = {
    ...ConsoleElement.properties,
    conversationId: { attribute: false },
    conversations: { state: true },
    nextCursor: { state: true },
    detail: { state: true },
    status: { state: true },
    kind: { state: true },
    live: { state: true },
    error: { state: true },
    sending: { state: true },
  };

  declare conversationId: string | undefined;
  declare conversations: ConversationSummary[];
  declare nextCursor: string | null;
  declare detail: ConversationDetail | undefined;
  declare status: string;
  declare kind: string;
  declare live: AdminEventsState;
  declare error: string;
  declare sending: boolean;
  #events: AdminEvents | undefined;
  #poll: ReturnType<typeof setInterval> | undefined;
  #reloadList: ReturnType<typeof setTimeout> | undefined;
  /** Pages of the list loaded so far (the first, plus each "Load more"). */
  #pages = 0;

  constructor() {
    super();
    this.conversations = [];
    this.nextCursor = null;
    this.status = '';
    this.kind = '';
    this.live = 'connecting';
    this.error = '';
    this.sending = false;
  }

  override connectedCallback(): void {
    super.connectedCallback();
    this.#events = new AdminEvents(this.api);
    this.#events.onState((state) => {
      const caughtUp = this.live === 'live';
      this.live = state;
      // Events are at most once: what changed before the stream was (re)opened never
      // arrives on it, so the page reads the list (and the open conversation) again then.
      if (state === 'live' && !caughtUp) {
        void this.#loadList();
        if (this.conversationId) void this.#loadDetail();
      }
    });
    this.#events.onEvent((event) => {
      clearTimeout(this.#reloadList);
      this.#reloadList = setTimeout(() => void this.#loadList(), 150);
      if (event.data.conversationId && event.data.conversationId === this.conversationId)
        void this.#loadDetail();
    });
    this.#events.start();
    this.#poll = setInterval(() => {
      if (this.live === 'live') return;
      void this.#loadList();
      if (this.conversationId) void this.#loadDetail();
    }, pollMs);
    void this.#loadList('reset');
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.#events?.stop();
    clearInterval(this.#poll);
    clearTimeout(this.#reloadList);
  }

  protected override willUpdate(changed: PropertyValues<this>): void {
    if (changed.has('conversationId')) {
      this.detail = undefined;
      if (this.conversationId) void this.#loadDetail();
    }
  }

  /**
   * `reset`: the first page only (a new filter); `refresh`: the first page merged into the
   * loaded list, keeping the pages of "Load more" (live updates, polling); a cursor: the next
   * page appended (Load more).
   */
  async #loadList(mode: 'reset' | 'refresh' | { cursor: string } = 'refresh'): Promise<void> {
    const cursor = typeof mode === 'object' ? mode.cursor : undefined;
    const filters = { status: this.status, kind: this.kind };
    try {
      const page = await this.api.get<{
        conversations: ConversationSummary[];
        nextCursor?: string | null;
      }>('/api/admin/conversations', { ...filters, limit: 50, cursor });
      // A filter changed while this page was on its way: its answer is for the old filter.
      if (filters.status !== this.status || filters.kind !== this.kind) return;
      const next = page.nextCursor ?? null;
      if (cursor) {
        this.conversations = appendPage(this.conversations, page.conversations);
        this.nextCursor = next;
        this.#pages += 1;
      } else if (mode === 'reset' || this.#pages <= 1) {
        this.conversations = page.conversations;
        this.nextCursor = next;
        this.#pages = 1;
      } else {
        this.conversations = mergeFirstPage(this.conversations, page.conversations, {
          complete: next === null,
        });
        if (next === null) {
          this.nextCursor = null;
          this.#pages = 1;
        }
      }
    } catch (error) {
      this.error = errorMessage(error);
    }
  }

  async #loadDetail(): Promise<void> {
    const id = this.conversationId;
    if (!id) return;
    try {
      const detail = await this.api.get<ConversationDetail>(
        `/api/admin/conversations/${encodeURIComponent(id)}`,
      );
      if (id !== this.conversationId) return;
      const grew = (this.detail?.messages.length ?? 0) < detail.messages.length;
      this.detail = detail;
      if (grew) {
        await this.updateComplete;
        const log = this.querySelector<HTMLElement>('.transcript');
        if (log) log.scrollTop = log.scrollHeight;
      }
    } catch (error) {
      this.error = errorMessage(error);
    }
  }

  async #act(action: 'takeover' | 'handback'): Promise<void> {
    const id = this.conversationId;
    if (!id) return;
    this.error = '';
    try {
      await this.api.post(`/api/admin/conversations/${encodeURIComponent(id)}/${action}`);
      await Promise.all([this.#loadDetail(), this.#loadList()]);
    } catch (error) {
      this.error = errorMessage(error);
    }
  }

  async #reply(event: SubmitEvent): Promise<void> {
    event.preventDefault();
    const id = this.conversationId;
    const form = event.currentTarget as HTMLFormElement;
    const field = form.elements.namedItem('reply') as HTMLTextAreaElement;
    const text = field.value.trim();
    if (!id || !text) return;
    this.sending = true;
    this.error = '';
    try {
      await this.api.post(`/api/admin/conversations/${encodeURIComponent(id)}/messages`, { text });
      field.value = '';
      await this.#loadDetail();
    } catch (error) {
      this.error = errorMessage(error);
    } finally {
      this.sending = false;
      field.focus();
    }
  }

  #filter(event: Event): void {
    const select = event.target as HTMLSelectElement;
    if (select.name === 'status') this.status = select.value;
    if (select.name === 'kind') this.kind = select.value;
    void this.#loadList('reset');
  }

  protected override render(): TemplateResult {
    const liveText = {
      connecting: 'Connecting to live updates…',
      live: 'Live: new messages appear as they arrive.',
      unavailable: 'Live updates unavailable: refreshing every 10 seconds.',
    }[this.live];
    return html`
      <h1>Live conversations</h1>
      <p class="muted small" role="status">${liveText}</p>
      ${this.error ? html`<p class="error" role="alert">${this.error}</p>` : nothing}
      <div class="split">
        <section aria-labelledby="conversation-list-title" class="list-pane">
          <h2 id="conversation-list-title" class="visually-hidden">Conversations</h2>
          <div class="filters compact">
            <div class="field"><label for="conversation-kind">Kind</label>
              <select id="conversation-kind" name="kind" @change=${(event: Event) => this.#filter(event)}>
                <option value="">All</option><option value="support">Support</option><option value="recovery">Recovery</option>
              </select></div>
            <div class="field"><label for="conversation-status">Status</label>
              <select id="conversation-status" name="status" @change=${(event: Event) => this.#filter(event)}>
                <option value="">All</option><option value="active">Active</option><option value="escalated">Escalated</option><option value="closed">Closed</option>
              </select></div>
          </div>
          ${this.conversations.length === 0 ? html`<p>No conversations yet.</p>` : nothing}
          <ul class="conversation-list">
            ${this.conversations.map(
              (conversation) => html`<li>
                <a href=${this.href(`conversations/${encodeURIComponent(conversation.id)}`)}
                  aria-current=${conversation.id === this.conversationId ? 'true' : 'false'}>
                  <span class="row-title">${conversation.customer?.name ?? 'Visitor'}
                    <span class=${`badge kind-${conversation.kind}`}>${humanize(conversation.kind)}</span>
                    ${conversation.operator ? html`<span class="badge">Operator: ${conversation.operator.name}</span>` : nothing}</span>
                  <span class="muted small">${humanize(conversation.status)} · ${formatDateTime(conversation.lastActivityAt)}</span>
                  ${conversation.lastMessage ? html`<span class="preview">${conversation.lastMessage.text}</span>` : nothing}
                </a>
              </li>`,
            )}
          </ul>
          ${
            this.nextCursor
              ? html`<button type="button" class="secondary" @click=${() => this.#loadList(this.nextCursor ? { cursor: this.nextCursor } : 'reset')}>Load more</button>`
              : nothing
          }
        </section>
        <section aria-labelledby="transcript-title" class="detail-pane">
          ${this.#renderDetail()}
        </section>
      </div>
    `;
  }

  #renderDetail(): TemplateResult {
    if (!this.conversationId) {
      return html`<h2 id="transcript-title">Transcript</h2><p>Pick a conversation to read it.</p>`;
    }
    const detail = this.detail;
    if (!detail)
      return html`<h2 id="transcript-title">Transcript</h2><p role="status">Loading…</p>`;
    const conversation = detail.conversation;
    const mine = conversation.operator !== null && conversation.operator !== undefined;
    const canWrite = this.can('conversations:write');
    return html`
      <h2 id="transcript-title">${conversation.customer?.name ?? 'Visitor'}: ${humanize(conversation.kind)} conversation</h2>
      <p class="muted small">${humanize(conversation.status)} · started ${formatDateTime(conversation.startedAt)}
        ${mine ? html` · taken over by ${conversation.operator?.name}` : nothing}</p>
      ${
        canWrite
          ? html`<div class="toolbar">
            ${
              mine
                ? html`<button type="button" class="secondary" @click=${() => this.#act('handback')}>Hand back to the assistant</button>`
                : html`<button type="button" @click=${() => this.#act('takeover')}>Take over</button>`
            }
          </div>`
          : nothing
      }
      <ol class="transcript" aria-label="Messages" aria-live="polite">
        ${detail.messages.map(
          (message) => html`<li class=${`message role-${message.role}`}>
            <span class="author">${authorOf(message)}</span>
            <span class="muted small"> · ${formatDateTime(message.createdAt)}
              ${message.confidence !== undefined ? html` · confidence ${formatNumber(message.confidence, 2)}` : nothing}</span>
            <p class="message-text">${message.text}</p>
            ${
              message.citations?.length
                ? html`<p class="small muted">Sources: ${message.citations.map((citation) => citation.title ?? citation.url ?? '').join(', ')}</p>`
                : nothing
            }
          </li>`,
        )}
      </ol>
      ${
        canWrite && mine
          ? html`<form class="reply" @submit=${(event: SubmitEvent) => this.#reply(event)}>
            <label for="reply">Reply as ${this.api.session.adminUser?.name ?? 'operator'}</label>
            <textarea id="reply" name="reply" rows="3" required maxlength="4000"></textarea>
            <button type="submit" ?disabled=${this.sending}>${this.sending ? 'Sending…' : 'Send reply'}</button>
          </form>`
          : canWrite
            ? html`<p class="muted small">Take the conversation over to reply; the assistant stops answering it until you hand it back.</p>`
            : nothing
      }
    `;
  }
}
