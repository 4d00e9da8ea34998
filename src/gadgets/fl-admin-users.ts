import { LitElement, css, html, nothing } from 'lit';
import { guard } from 'lit/directives/guard.js';
import { keyed } from 'lit/directives/keyed.js';
import { AdminModelController, AdminUsersController, UnsavedChangesController, type AdminUser, type Role, type UsersApi } from '../controllers';
import type { Storage } from '../storage';
import { baseStyles } from './design/styles';
import { toastFailed, toastSaved } from './design/toast';
import { confirmDialog } from './design/confirm';

const roleLabels: Record<Role, string> = { admin: 'Admin', engineer: 'Engineer', technician: 'Technician' };
const roleList = Object.keys(roleLabels) as Role[];

/** The values of a Shoelace multiple select (an array; older versions gave a space-separated string). */
const valuesOf = (element: Element | null): string[] => {
  const value = (element as { value?: unknown } | null)?.value;
  return Array.isArray(value) ? value.map(String) : typeof value === 'string' && value !== '' ? value.split(' ') : [];
};

/**
 * Admin screen for users: the list (name, role, sites by title, enabled or disabled); create one
 * (name, password, role, sites chosen from the site documents); for each, change role, sites and
 * disabled, set a new password (which signs them out everywhere), sign them out; and sign
 * everyone out (every session of every user except this one, after a confirmation). Each change
 * is the server's to accept: a refusal (a weak password, the last admin) is shown with its reason.
 * Properties `api` and `storage` (optional, tests): the users API and where site documents live,
 * instead of the app's server.
 */
export class FlAdminUsers extends LitElement {
  static override properties = {
    api: { attribute: false },
    storage: { attribute: false },
    editing: { state: true },
    dirty: { state: true },
    problem: { state: true },
    busy: { state: true },
  };

  declare api: UsersApi | undefined;
  declare storage: Storage | undefined;
  /** The user being edited (username), or undefined. */
  declare editing: string | undefined;
  /** Which form holds unsaved input: 'create', 'edit' or undefined. */
  declare dirty: 'create' | 'edit' | undefined;
  /** Why the last change was refused, by form. */
  declare problem: { form: 'create' | 'edit' | 'password'; message: string } | undefined;
  declare busy: boolean;

  readonly #users = new AdminUsersController(this, { api: () => this.api });
  readonly #model = new AdminModelController(this, { storage: () => this.storage });

  constructor() {
    super();
    this.api = undefined;
    this.storage = undefined;
    this.editing = undefined;
    this.dirty = undefined;
    this.busy = false;
    new UnsavedChangesController(this, { dirty: () => this.dirty !== undefined, describe: () => (this.dirty === 'create' ? 'the new user' : `the changes to ${this.editing ?? 'a user'}`) });
  }

  static override styles = [
    baseStyles,
    css`
      :host { display: block; }
      form { display: grid; gap: var(--sl-spacing-medium); }
      .pair { display: grid; gap: var(--sl-spacing-medium); grid-template-columns: repeat(auto-fit, minmax(12rem, 1fr)); align-items: end; }
    `,
  ];

  /** Lists users and sites again. */
  async reload(): Promise<void> {
    await Promise.all([this.#users.reload(), this.#model.reload()]);
  }

  protected override updated(changed: Map<string, unknown>): void {
    if (changed.has('api')) void this.#users.reload();
    if (changed.has('storage')) void this.#model.reload();
  }

  /** Site titles for a list of site ids (an unknown site says so rather than show its id). */
  #sitesText(sites: readonly string[]): string {
    return sites.map((site) => this.#model.siteTitle(site)).join(', ');
  }

  async #run(form: 'create' | 'edit' | 'password', work: () => Promise<string>): Promise<boolean> {
    this.busy = true;
    try {
      void toastSaved(await work());
      this.problem = undefined;
      return true;
    } catch (error) {
      this.problem = { form, message: error instanceof Error ? error.message : String(error) };
      void toastFailed('Not saved', error);
      return false;
    } finally {
      this.busy = false;
    }
  }

  async #create(event: SubmitEvent): Promise<void> {
    event.preventDefault();
    const form = event.target as HTMLFormElement;
    const data = new FormData(form);
    const username = String(data.get('username') ?? '').trim();
    const user = { username, password: String(data.get('password') ?? ''), role: String(data.get('role') ?? 'technician') as Role, sites: valuesOf(form.querySelector('[name=sites]')) };
    if (await this.#run('create', async () => (await this.#users.create(user), `User ${username} created`))) {
      this.dirty = undefined;
      form.reset();
    }
  }

  async #saveUser(event: SubmitEvent, user: AdminUser): Promise<void> {
    event.preventDefault();
    const form = event.target as HTMLFormElement;
    const role = String(new FormData(form).get('role') ?? user.role) as Role;
    const disabled = (form.querySelector('[name=disabled]') as { checked?: boolean } | null)?.checked ?? user.disabled;
    const changes = { role, sites: valuesOf(form.querySelector('[name=sites]')), disabled };
    if (await this.#run('edit', async () => (await this.#users.update(user.username, changes), `${user.username} saved`))) this.dirty = undefined;
  }

  async #setPassword(event: SubmitEvent, user: AdminUser): Promise<void> {
    event.preventDefault();
    const form = event.target as HTMLFormElement;
    const password = String(new FormData(form).get('password') ?? '');
    if (await this.#run('password', async () => (await this.#users.resetPassword(user.username, password), `New password set for ${user.username}; they were signed out everywhere`))) form.reset();
  }

  async #signOut(user: AdminUser): Promise<void> {
    await this.#run('edit', async () => {
      const ended = await this.#users.signOut(user.username);
      return `${user.username} signed out (${ended} ${ended === 1 ? 'session' : 'sessions'} ended)`;
    });
  }

  async #signEveryoneOut(): Promise<void> {
    const sure = await confirmDialog({
      label: 'Sign everyone out?',
      message: 'Every user is signed out on every device and signs in again; you stay signed in here. Changes waiting on tablets are kept and sync after they sign in.',
      confirm: 'Sign everyone out',
      cancel: 'Cancel',
      danger: true,
    });
    if (!sure) return;
    try {
      const ended = await this.#users.signEveryoneOut();
      void toastSaved(`Everyone else is signed out (${ended} ${ended === 1 ? 'session' : 'sessions'} ended)`);
    } catch (error) {
      void toastFailed('Could not sign everyone out', error);
    }
  }

  async #edit(username: string | undefined): Promise<void> {
    if (this.dirty === 'edit' && !(await confirmDialog({ label: 'Leave without saving?', message: `The changes to ${this.editing} are not saved.`, confirm: 'Discard changes', cancel: 'Keep editing', danger: true }))) return;
    this.editing = username;
    this.dirty = undefined;
    this.problem = undefined;
  }

  #sitesSelect(form: string, selected: readonly string[]) {
    const sites = this.#model.sites ?? [];
    // Lit sets an array property at every render (it cannot tell an array unchanged), which would
    // put back the stored sites over the admin's choice whenever the screen renders (a refused
    // save does): set only when the form or the stored sites change.
    return html`<sl-select name="sites" label="Sites" multiple clearable help-text="A technician sees only these sites; other roles see every site" .value=${guard([form, selected.join('\n')], () => [...selected])}>
      ${sites.map((site) => html`<sl-option value=${site.id}>${site.title}</sl-option>`)}
    </sl-select>`;
  }

  #problem(form: 'create' | 'edit' | 'password') {
    return this.problem?.form === form ? html`<p role="alert" class="error">${this.problem.message}</p>` : nothing;
  }

  #createForm() {
    return html`<form class="panel" aria-labelledby="new-user-title" @submit=${(event: SubmitEvent) => void this.#create(event)} @sl-input=${() => (this.dirty = 'create')} @sl-change=${() => (this.dirty = 'create')}>
      <h4 id="new-user-title">New user</h4>
      <div class="pair">
        <sl-input name="username" label="Username" required pattern="[A-Za-z0-9_.@\\-]{1,64}" help-text="Letters, digits and _ . @ -"></sl-input>
        <sl-input name="password" label="Password" type="password" password-toggle required minlength="12" help-text="At least 12 characters; a few words make a good one" autocomplete="new-password"></sl-input>
        <sl-select name="role" label="Role" value="technician">
          ${roleList.map((role) => html`<sl-option value=${role}>${roleLabels[role]}</sl-option>`)}
        </sl-select>
      </div>
      ${this.#sitesSelect('create', [])}
      ${this.#problem('create')}
      <div class="row"><sl-button type="submit" variant="primary" ?loading=${this.busy}>Create user</sl-button></div>
    </form>`;
  }

  #editForm(user: AdminUser) {
    return html`<div class="panel stack" aria-labelledby="edit-user-title">
      <h4 id="edit-user-title">${user.username}</h4>
      <form @submit=${(event: SubmitEvent) => void this.#saveUser(event, user)} @sl-input=${() => (this.dirty = 'edit')} @sl-change=${() => (this.dirty = 'edit')}>
        <div class="pair">
          <sl-select name="role" label="Role" .value=${user.role}>
            ${roleList.map((role) => html`<sl-option value=${role}>${roleLabels[role]}</sl-option>`)}
          </sl-select>
          <sl-switch name="disabled" ?checked=${user.disabled} help-text="A disabled user cannot sign in">Disabled</sl-switch>
        </div>
        ${this.#sitesSelect(`edit:${user.username}`, user.sites)}
        ${this.#problem('edit')}
        <div class="row">
          <sl-button type="submit" variant="primary" ?loading=${this.busy}>Save ${user.username}</sl-button>
          <sl-button @click=${() => void this.#signOut(user)}>Sign ${user.username} out</sl-button>
          <sl-button @click=${() => void this.#edit(undefined)}>Close</sl-button>
        </div>
      </form>
      <form @submit=${(event: SubmitEvent) => void this.#setPassword(event, user)}>
        <div class="pair">
          <sl-input name="password" label="New password" type="password" password-toggle required minlength="12" autocomplete="new-password"></sl-input>
          <sl-button type="submit" ?loading=${this.busy}>Set password</sl-button>
        </div>
        ${this.#problem('password')}
      </form>
    </div>`;
  }

  override render() {
    const users = this.#users.users;
    const editing = users?.find((user) => user.username === this.editing);
    return html`<section class="stack" aria-label="Users">
      <div class="row">
        <sl-button variant="danger" outline @click=${() => void this.#signEveryoneOut()}>Sign everyone out</sl-button>
      </div>
      ${this.#users.error ? html`<p role="alert" class="error">The users could not be read: ${this.#users.error}</p>` : nothing}
      ${editing ? keyed(editing.username, this.#editForm(editing)) : nothing}
      ${!users
        ? this.#users.error
          ? nothing
          : html`<p class="muted"><sl-spinner></sl-spinner> Reading the users…</p>`
        : html`<table>
            <thead><tr><th scope="col">User</th><th scope="col">Role</th><th scope="col">Sites</th><th scope="col">State</th><th scope="col"><span class="muted">Actions</span></th></tr></thead>
            <tbody>
              ${users.map(
                (user) => html`<tr data-user=${user.username}>
                  <td>${user.username}</td>
                  <td>${roleLabels[user.role]}</td>
                  <td>${user.role === 'technician' ? this.#sitesText(user.sites) || html`<span class="muted">none</span>` : html`<span class="muted">every site</span>`}</td>
                  <td>${user.disabled ? html`<sl-tag size="small" variant="danger">Disabled</sl-tag>` : html`<sl-tag size="small" variant="success">Enabled</sl-tag>`}</td>
                  <td><sl-button @click=${() => void this.#edit(user.username)}>Edit ${user.username}</sl-button></td>
                </tr>`,
              )}
            </tbody>
          </table>`}
      ${this.#createForm()}
    </section>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'fl-admin-users': FlAdminUsers;
  }
}
