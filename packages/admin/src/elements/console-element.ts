import { LitElement } from 'lit';
import type { AdminApiClient } from '../api/admin-api-client.js';
import type { ConsoleRouter } from '../router/console-router.js';

/**
 * The base of the console's elements. They render into light DOM: one stylesheet styles
 * the whole app, and password managers and autofill see the sign-in form. Everything
 * rendered goes through Lit templates, which escape text: nothing from a customer, a
 * message or a document is ever parsed as HTML.
 */
export class ConsoleElement extends LitElement {
  static override properties = {
    api: { attribute: false },
    router: { attribute: false },
    permissions: { attribute: false },
  };

  declare api: AdminApiClient;
  declare router: ConsoleRouter;
  declare permissions: readonly string[];

  constructor() {
    super();
    this.permissions = [];
  }

  protected override createRenderRoot(): HTMLElement {
    return this;
  }

  /** Whether the signed-in operator has `permission` (what they may not do is not shown). */
  can(permission: string): boolean {
    return this.permissions.includes(permission);
  }

  /** A console href (`customers/x` → `/admin/customers/x`). */
  href(relativePath: string): string {
    return this.router.href(relativePath);
  }
}
