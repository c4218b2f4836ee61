import { html, nothing, type TemplateResult } from 'lit';
import { errorMessage } from '../api/admin-api-error.js';
import { ConsoleElement } from '../elements/console-element.js';
import { formatDateTime, formatNumber, humanize, safeHttpUrl } from '../elements/format.js';
import { headingText, type KnowledgeChunk, type KnowledgeDocument } from './knowledge-types.js';

/** `<churn-document-page>`: one document and its chunks, as the retriever sees them. */
export class ChurnDocumentPage extends ConsoleElement {
  static override properties = {
    ...ConsoleElement.properties,
    documentId: { attribute: false },
    document: { state: true },
    chunks: { state: true },
    error: { state: true },
  };

  declare documentId: string;
  declare document: KnowledgeDocument | undefined;
  declare chunks: KnowledgeChunk[];
  declare error: string;

  constructor() {
    super();
    this.documentId = '';
    this.chunks = [];
    this.error = '';
  }

  override connectedCallback(): void {
    super.connectedCallback();
    void this.api
      .get<{ document: KnowledgeDocument; chunks: KnowledgeChunk[] }>(
        `/api/knowledge/documents/${encodeURIComponent(this.documentId)}`,
      )
      .then((body) => {
        this.document = body.document;
        this.chunks = body.chunks;
      })
      .catch((error: unknown) => {
        this.error = errorMessage(error);
      });
  }

  protected override render(): TemplateResult {
    const document = this.document;
    return html`
      <p><a href=${this.href('knowledge')}>← Knowledge base</a></p>
      <h1>${document?.title ?? 'Document'}</h1>
      ${this.error ? html`<p class="error" role="alert">${this.error}</p>` : nothing}
      ${
        document
          ? html`<dl class="facts">
            <div><dt>Source</dt><dd>${safeHttpUrl(document.sourceUrl) ? html`<a href=${safeHttpUrl(document.sourceUrl)} rel="noopener noreferrer" target="_blank">${document.sourceUrl}</a>` : (document.sourceUrl ?? '—')}</dd></div>
            <div><dt>Type</dt><dd>${humanize(document.docType)}</dd></div>
            <div><dt>Category</dt><dd>${humanize(document.category)}</dd></div>
            <div><dt>Tokens</dt><dd>${formatNumber(document.tokenCount)}</dd></div>
            <div><dt>Updated</dt><dd>${formatDateTime(document.lastUpdated ?? document.scrapedAt)}</dd></div>
          </dl>
          <h2>${this.chunks.length} chunks</h2>
          <ol class="chunks">${this.chunks.map(
            (chunk) => html`<li>
              <p class="muted small">#${chunk.index} · ${headingText(chunk.headingPath) || 'no heading'} · ${chunk.tokenCount} tokens</p>
              <p class="chunk-text">${chunk.content}</p>
            </li>`,
          )}</ol>`
          : this.error
            ? nothing
            : html`<p role="status">Loading…</p>`
      }
    `;
  }
}
