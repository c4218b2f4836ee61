import { html, nothing, type TemplateResult } from 'lit';
import { errorMessage } from '../api/admin-api-error.js';
import { ConsoleElement } from '../elements/console-element.js';
import { formatDateTime, formatNumber, humanize } from '../elements/format.js';
import { describeJobProgress } from './job-progress.js';
import {
  type AskResult,
  headingText,
  type KnowledgeDocument,
  type KnowledgeJob,
} from './knowledge-types.js';

const maxFileBytes = 2_000_000;
const acceptedFiles = /\.(md|markdown|html?|txt)$/i;

/**
 * `<churn-knowledge-page>`: add a site to crawl or upload Markdown/HTML/text files
 * (`POST /api/knowledge/sources`), watch the jobs' progress, browse the documents, and ask a
 * test question that shows the retrieved chunks with their scores and the answer with its
 * confidence (not stored as a conversation, not counted in usage).
 */
export class ChurnKnowledgePage extends ConsoleElement {
  static override properties = {
    ...ConsoleElement.properties,
    documents: { state: true },
    nextCursor: { state: true },
    jobs: { state: true },
    query: { state: true },
    error: { state: true },
    notice: { state: true },
    ask: { state: true },
    asking: { state: true },
    askError: { state: true },
  };

  declare documents: KnowledgeDocument[];
  declare nextCursor: string | null;
  declare jobs: KnowledgeJob[];
  declare query: string;
  declare error: string;
  declare notice: string;
  declare ask: AskResult | undefined;
  declare asking: boolean;
  declare askError: string;
  #poll: ReturnType<typeof setInterval> | undefined;

  constructor() {
    super();
    this.documents = [];
    this.nextCursor = null;
    this.jobs = [];
    this.query = '';
    this.error = '';
    this.notice = '';
    this.asking = false;
    this.askError = '';
  }

  override connectedCallback(): void {
    super.connectedCallback();
    void this.#loadDocuments();
    void this.#loadJobs();
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    clearInterval(this.#poll);
  }

  async #loadDocuments(cursor?: string): Promise<void> {
    try {
      const page = await this.api.get<{
        documents: KnowledgeDocument[];
        nextCursor: string | null;
      }>('/api/knowledge/documents', {
        q: this.query,
        limit: 25,
        cursor,
      });
      this.documents = cursor ? [...this.documents, ...page.documents] : page.documents;
      this.nextCursor = page.nextCursor;
    } catch (error) {
      this.error = errorMessage(error);
    }
  }

  async #loadJobs(): Promise<void> {
    try {
      const body = await this.api.get<{ jobs: KnowledgeJob[] }>('/api/knowledge/jobs');
      const wasRunning = this.jobs.some(
        (job) => job.status === 'queued' || job.status === 'running',
      );
      this.jobs = body.jobs;
      const running = this.jobs.some((job) => job.status === 'queued' || job.status === 'running');
      if (running && !this.#poll) this.#poll = setInterval(() => void this.#loadJobs(), 1500);
      if (!running) {
        clearInterval(this.#poll);
        this.#poll = undefined;
        if (wasRunning) void this.#loadDocuments();
      }
    } catch (error) {
      this.error = errorMessage(error);
    }
  }

  async #addSource(body: unknown, form: HTMLFormElement): Promise<void> {
    this.error = '';
    this.notice = '';
    try {
      await this.api.post('/api/knowledge/sources', body);
      this.notice = 'Ingestion started: follow it under Jobs.';
      form.reset();
      await this.#loadJobs();
      // A small upload may be done already: show its documents.
      await this.#loadDocuments();
    } catch (error) {
      this.error = errorMessage(error);
    }
  }

  #crawl(event: SubmitEvent): void {
    event.preventDefault();
    const form = event.currentTarget as HTMLFormElement;
    const data = new FormData(form);
    const maxPages = Number(data.get('maxPages'));
    const maxDepth = Number(data.get('maxDepth'));
    void this.#addSource(
      {
        kind: 'site',
        url: String(data.get('url') ?? '').trim(),
        ...(maxPages > 0 ? { maxPages } : {}),
        ...(maxDepth > 0 ? { maxDepth } : {}),
      },
      form,
    );
  }

  async #upload(event: SubmitEvent): Promise<void> {
    event.preventDefault();
    const form = event.currentTarget as HTMLFormElement;
    const input = form.elements.namedItem('files') as HTMLInputElement;
    const files = [...(input.files ?? [])];
    const refused = files.filter(
      (file) => !acceptedFiles.test(file.name) || file.size > maxFileBytes,
    );
    if (files.length === 0 || refused.length > 0) {
      this.error =
        files.length === 0
          ? 'Choose at least one file.'
          : `These files cannot be uploaded (Markdown, HTML or text, at most 2 MB each): ${refused.map((file) => file.name).join(', ')}.`;
      return;
    }
    const contents = await Promise.all(
      files.map(async (file) => ({ name: file.name, content: await file.text() })),
    );
    await this.#addSource({ kind: 'files', files: contents }, form);
  }

  async #ask(event: SubmitEvent): Promise<void> {
    event.preventDefault();
    const data = new FormData(event.currentTarget as HTMLFormElement);
    const question = String(data.get('question') ?? '').trim();
    if (!question) return;
    this.asking = true;
    this.askError = '';
    try {
      this.ask = await this.api.post<AskResult>('/api/knowledge/ask', { question });
    } catch (error) {
      this.ask = undefined;
      this.askError = errorMessage(error);
    } finally {
      this.asking = false;
    }
  }

  protected override render(): TemplateResult {
    const canWrite = this.can('knowledge:write');
    return html`
      <h1>Knowledge base</h1>
      ${this.error ? html`<p class="error" role="alert">${this.error}</p>` : nothing}
      ${this.notice ? html`<p class="notice" role="status">${this.notice}</p>` : nothing}
      ${
        canWrite
          ? html`<div class="two-columns">
            <form class="card stack" @submit=${(event: SubmitEvent) => this.#crawl(event)} aria-labelledby="crawl-title">
              <h2 id="crawl-title">Crawl a site</h2>
              <label for="crawl-url">Start URL</label>
              <input id="crawl-url" name="url" type="url" required placeholder="https://help.example.com" />
              <div class="inline-fields">
                <div class="field"><label for="crawl-pages">Max pages</label><input id="crawl-pages" name="maxPages" type="number" min="1" max="5000" /></div>
                <div class="field"><label for="crawl-depth">Max depth</label><input id="crawl-depth" name="maxDepth" type="number" min="1" max="10" /></div>
              </div>
              <button type="submit">Start crawl</button>
            </form>
            <form class="card stack" @submit=${(event: SubmitEvent) => this.#upload(event)} aria-labelledby="upload-title">
              <h2 id="upload-title">Upload files</h2>
              <label for="upload-files">Markdown, HTML or text files</label>
              <input id="upload-files" name="files" type="file" multiple accept=".md,.markdown,.html,.htm,.txt,text/markdown,text/html,text/plain" />
              <button type="submit">Upload</button>
            </form>
          </div>`
          : nothing
      }
      <section aria-labelledby="jobs-title">
        <h2 id="jobs-title">Jobs</h2>
        ${
          this.jobs.length === 0
            ? html`<p>No ingestion job yet.</p>`
            : html`<ul class="plain-list jobs">${this.jobs.map((job) => this.#job(job))}</ul>`
        }
      </section>
      <section aria-labelledby="ask-title" class="card">
        <h2 id="ask-title">Ask a test question</h2>
        <form class="inline-form" @submit=${(event: SubmitEvent) => this.#ask(event)}>
          <label for="ask-question">Question</label>
          <input id="ask-question" name="question" required maxlength="2000" placeholder="How do I update my card?" />
          <button type="submit" ?disabled=${this.asking}>${this.asking ? 'Asking…' : 'Ask'}</button>
        </form>
        ${this.askError ? html`<p class="error" role="alert">${this.askError}</p>` : nothing}
        ${this.ask ? this.#askResult(this.ask) : nothing}
      </section>
      <section aria-labelledby="documents-title">
        <h2 id="documents-title">Documents</h2>
        <form class="inline-form" role="search" aria-label="Search documents" @submit=${(
          event: SubmitEvent,
        ) => {
          event.preventDefault();
          this.query = String(new FormData(event.currentTarget as HTMLFormElement).get('q') ?? '');
          void this.#loadDocuments();
        }}>
          <label for="document-q">Search documents</label>
          <input id="document-q" name="q" type="search" .value=${this.query} />
          <button type="submit" class="secondary">Search</button>
        </form>
        ${
          this.documents.length === 0
            ? html`<p>No documents.</p>`
            : html`<div class="table-wrap"><table>
              <thead><tr><th scope="col">Title</th><th scope="col">Type</th><th scope="col">Category</th><th scope="col">Chunks</th><th scope="col">Tokens</th><th scope="col">Updated</th></tr></thead>
              <tbody>${this.documents.map(
                (document) => html`<tr>
                  <td><a href=${this.href(`knowledge/documents/${encodeURIComponent(document.id)}`)}>${document.title || document.id}</a></td>
                  <td>${humanize(document.docType)}</td>
                  <td>${humanize(document.category)}</td>
                  <td class="number">${formatNumber(document.chunkCount)}</td>
                  <td class="number">${formatNumber(document.tokenCount)}</td>
                  <td>${formatDateTime(document.lastUpdated ?? document.scrapedAt)}</td>
                </tr>`,
              )}</tbody></table></div>`
        }
        ${
          this.nextCursor
            ? html`<button type="button" class="secondary" @click=${() => this.#loadDocuments(this.nextCursor ?? undefined)}>More documents</button>`
            : nothing
        }
      </section>
    `;
  }

  #job(job: KnowledgeJob): TemplateResult {
    const source =
      job.source.kind === 'site'
        ? `Crawl of ${job.source.url ?? ''}`
        : `Upload of ${job.source.files?.length ?? 0} file(s)`;
    const { documentsWritten, skipped, total } = job.progress;
    const error = typeof job.error === 'string' ? job.error : job.error?.message;
    return html`<li class="job">
      <strong>${source}</strong> <span class=${`badge job-${job.status}`}>${humanize(job.status)}</span>
      ${
        total
          ? html`<progress max=${total} .value=${documentsWritten + skipped} aria-label=${`${source}: progress`}></progress>`
          : nothing
      }
      <span class="muted small">${describeJobProgress(job)}</span>
      ${error ? html`<span class="error small">${error}</span>` : nothing}
    </li>`;
  }

  #askResult(result: AskResult): TemplateResult {
    return html`
      <div class="answer">
        <h3>Answer <span class="badge">confidence ${formatNumber(result.confidence, 2)}</span></h3>
        <p class="message-text">${result.answer}</p>
      </div>
      <div class="table-wrap"><table>
        <caption>Retrieved chunks, best first</caption>
        <thead><tr><th scope="col">Document</th><th scope="col">Chunk</th><th scope="col">Score</th><th scope="col">Vector</th><th scope="col">Keyword</th><th scope="col">Re-rank</th></tr></thead>
        <tbody>${result.retrieved.map(
          (chunk) => html`<tr>
            <td><a href=${this.href(`knowledge/documents/${encodeURIComponent(chunk.documentId)}`)}>${chunk.title}</a><br /><span class="muted small">${headingText(chunk.headingPath)}</span></td>
            <td><span class="chunk-text">${chunk.content.length > 240 ? `${chunk.content.slice(0, 240)}…` : chunk.content}</span></td>
            <td class="number">${formatNumber(chunk.score, 3)}</td>
            <td class="number">${formatNumber(chunk.scores.vector, 3)}</td>
            <td class="number">${formatNumber(chunk.scores.keyword, 3)}</td>
            <td class="number">${formatNumber(chunk.scores.rerank, 3)}</td>
          </tr>`,
        )}</tbody>
      </table></div>
    `;
  }
}
