import { html, nothing, type TemplateResult } from 'lit';
import { errorMessage } from '../api/admin-api-error.js';
import { ConsoleElement } from '../elements/console-element.js';
import { formatDateTime, humanize } from '../elements/format.js';
import { type SectionMessage, sectionMessage, shownOnce } from './shown-once.js';

/** A row of `GET /api/admin-users`. */
interface AdminUser {
  id: string;
  name: string;
  email: string;
  role: AdminRole;
  hasPassword: boolean;
  lastLoginTime?: string;
  createdAt: string;
}

type AdminRole = 'admin' | 'supervisor' | 'support-agent' | 'developer';

const roles: readonly { value: AdminRole; label: string }[] = [
  { value: 'support-agent', label: 'Support agent: answers customers, handles escalations' },
  { value: 'supervisor', label: 'Supervisor: runs the operation, metrics included' },
  { value: 'developer', label: 'Developer: API keys, integrations, branding; no customer data' },
  { value: 'admin', label: 'Admin: everything, console users included' },
];

/**
 * `<churn-admin-users-settings>`: the tenant's console users (list, add with a role and a
 * password, change role, remove after confirming) for `admin-users:write` (the admin role),
 * and rotating the tenant's identity secret (`identity-secret:rotate`), shown once with a
 * warning that customer tokens signed with the old one stop working. The server refuses both
 * to other roles; this element shows only what the role allows.
 */
export class ChurnAdminUsersSettings extends ConsoleElement {
  static override properties = {
    ...ConsoleElement.properties,
    users: { state: true },
    message: { state: true },
    secretMessage: { state: true },
    identitySecret: { state: true },
  };

  declare users: AdminUser[];
  declare message: SectionMessage | undefined;
  declare secretMessage: SectionMessage | undefined;
  declare identitySecret: string | undefined;

  constructor() {
    super();
    this.users = [];
  }

  override connectedCallback(): void {
    super.connectedCallback();
    if (this.can('admin-users:read')) void this.#guard(() => this.#load());
  }

  async #load(): Promise<void> {
    this.users = (await this.api.get<{ adminUsers: AdminUser[] }>('/api/admin-users')).adminUsers;
  }

  async #guard(action: () => Promise<void>, success?: string): Promise<void> {
    this.message = undefined;
    try {
      await action();
      if (success) this.message = { kind: 'notice', text: success };
    } catch (error) {
      this.message = { kind: 'error', text: errorMessage(error) };
    }
  }

  #add(event: SubmitEvent): void {
    event.preventDefault();
    const form = event.currentTarget as HTMLFormElement;
    const data = new FormData(form);
    const name = String(data.get('userName') ?? '').trim();
    void this.#guard(async () => {
      await this.api.post('/api/admin-users', {
        name,
        email: String(data.get('userEmail') ?? '').trim(),
        role: String(data.get('userRole')),
        password: String(data.get('userPassword') ?? ''),
      });
      form.reset();
      await this.#load();
    }, `${name} added: they sign in with this email and password.`);
  }

  #changeRole(user: AdminUser, role: string): void {
    void this.#guard(
      async () => {
        await this.api.patch(`/api/admin-users/${encodeURIComponent(user.id)}`, { role });
        await this.#load();
      },
      `${user.name} is now ${humanize(role).toLowerCase()}.`,
    );
  }

  #remove(user: AdminUser): void {
    if (!confirm(`Remove ${user.name} (${user.email})? They are signed out everywhere now.`))
      return;
    void this.#guard(async () => {
      await this.api.delete(`/api/admin-users/${encodeURIComponent(user.id)}`);
      await this.#load();
    }, `${user.name} removed.`);
  }

  #rotateIdentitySecret(): void {
    if (
      !confirm(
        'Rotate the identity secret? Customer tokens signed with the current secret stop working at once, until your backend signs them with the new one.',
      )
    )
      return;
    this.secretMessage = undefined;
    void (async () => {
      try {
        const { identitySecret } = await this.api.post<{ identitySecret: string }>(
          '/api/tenant/identity-secret/rotate',
        );
        this.identitySecret = identitySecret;
      } catch (error) {
        this.secretMessage = { kind: 'error', text: errorMessage(error) };
      }
    })();
  }

  protected override render(): TemplateResult {
    return html`${this.can('admin-users:read') ? this.#renderUsers() : nothing}
      ${this.can('identity-secret:rotate') ? this.#renderIdentitySecret() : nothing}`;
  }

  #renderUsers(): TemplateResult {
    const canWrite = this.can('admin-users:write');
    return html`<section class="card" aria-labelledby="users-title">
      <h2 id="users-title">Console users</h2>
      ${sectionMessage(this.message)}
      <div class="table-wrap"><table>
        <caption class="visually-hidden">Console users</caption>
        <thead><tr><th scope="col">Name</th><th scope="col">Email</th><th scope="col">Role</th><th scope="col">Last sign-in</th>${canWrite ? html`<th scope="col"><span class="visually-hidden">Actions</span></th>` : nothing}</tr></thead>
        <tbody>${this.users.map(
          (user) => html`<tr>
            <td>${user.name}</td>
            <td>${user.email}</td>
            <td>${
              canWrite
                ? html`<select aria-label=${`Role of ${user.name}`} @change=${(event: Event) => this.#changeRole(user, (event.target as HTMLSelectElement).value)}>
                    ${roles.map((role) => html`<option value=${role.value} ?selected=${role.value === user.role}>${humanize(role.value)}</option>`)}
                  </select>`
                : humanize(user.role)
            }</td>
            <td>${formatDateTime(user.lastLoginTime)}</td>
            ${
              canWrite
                ? html`<td><button type="button" class="danger small" aria-label=${`Remove ${user.name}`} @click=${() => this.#remove(user)}>Remove</button></td>`
                : nothing
            }
          </tr>`,
        )}</tbody>
      </table></div>
      ${
        canWrite
          ? html`<form class="stack subsection" aria-labelledby="user-add-title" @submit=${(event: SubmitEvent) => this.#add(event)}>
            <h3 id="user-add-title">Add a console user</h3>
            <label for="user-name">Full name</label>
            <input id="user-name" name="userName" required maxlength="100" autocomplete="off" />
            <label for="user-email">Email address</label>
            <input id="user-email" name="userEmail" type="email" required maxlength="200" autocomplete="off" />
            <label for="user-role">Role</label>
            <select id="user-role" name="userRole">
              ${roles.map((role) => html`<option value=${role.value}>${role.label}</option>`)}
            </select>
            <label for="user-password">Initial password (at least 12 characters)</label>
            <input id="user-password" name="userPassword" type="password" required minlength="12" maxlength="200" autocomplete="new-password" />
            <div><button type="submit">Add user</button></div>
          </form>`
          : nothing
      }
    </section>`;
  }

  #renderIdentitySecret(): TemplateResult {
    return html`<section class="card" aria-labelledby="identity-secret-title">
      <h2 id="identity-secret-title">Identity secret</h2>
      <p>Your backend signs customer tokens with this secret so the widget knows who is chatting.</p>
      <p class="warning"><strong>Rotating it is immediate:</strong> tokens signed with the old secret stop working, and signed-in customers cannot chat until your backend uses the new one.</p>
      ${sectionMessage(this.secretMessage)}
      ${
        this.identitySecret
          ? shownOnce({
              id: 'revealed-identity-secret',
              label: 'New identity secret',
              value: this.identitySecret,
              warning:
                'Copy the new identity secret now and put it in your backend: it is shown once and cannot be read again.',
              onDone: () => {
                this.identitySecret = undefined;
              },
            })
          : html`<button type="button" class="danger" @click=${() => this.#rotateIdentitySecret()}>Rotate the identity secret</button>`
      }
    </section>`;
  }
}
