/**
 * Users for the admin screen: the list from the server, and every change an admin makes (create,
 * role, sites, disable, reset password, sign out one user or everyone), each followed by a fresh
 * list so the screen shows what the server holds. Failures reject with the server's reason.
 */
import type { ReactiveController, ReactiveControllerHost } from 'lit';
import { usersApi, type AdminUser, type NewUser, type UserChanges, type UsersApi } from './admin-api';

export interface AdminUsersOptions {
  /** The users API (default: the app's server, same origin). */
  api?: () => UsersApi | undefined;
}

export class AdminUsersController implements ReactiveController {
  users: AdminUser[] | undefined;
  /** Why the last listing failed (a 403 for a non-admin, no network…). */
  error: string | undefined;
  readonly #host: ReactiveControllerHost;
  readonly #options: AdminUsersOptions;
  readonly #default = usersApi();
  #request = 0;

  constructor(host: ReactiveControllerHost, options: AdminUsersOptions = {}) {
    this.#host = host;
    this.#options = options;
    host.addController(this);
  }

  get #api(): UsersApi {
    return this.#options.api?.() ?? this.#default;
  }

  hostConnected(): void {
    void this.reload();
  }

  /** Lists the users again; a listing that resolves after a newer one is dropped. */
  async reload(): Promise<void> {
    const request = ++this.#request;
    try {
      const users = await this.#api.list();
      if (request !== this.#request) return;
      this.users = users;
      this.error = undefined;
    } catch (error) {
      if (request === this.#request) this.error = error instanceof Error ? error.message : String(error);
    }
    this.#host.requestUpdate();
  }

  async #then<T>(work: Promise<T>): Promise<T> {
    try {
      return await work;
    } finally {
      await this.reload();
    }
  }

  create(user: NewUser): Promise<AdminUser> {
    return this.#then(this.#api.create(user));
  }

  update(username: string, changes: UserChanges): Promise<AdminUser> {
    return this.#then(this.#api.update(username, changes));
  }

  resetPassword(username: string, password: string): Promise<void> {
    return this.#then(this.#api.resetPassword(username, password));
  }

  signOut(username: string): Promise<number> {
    return this.#api.signOut(username);
  }

  signEveryoneOut(): Promise<number> {
    return this.#api.signEveryoneOut();
  }

  hostDisconnected(): void {
    // Answers that arrive after the gadget left are dropped by the request counter.
    this.#request++;
  }
}
