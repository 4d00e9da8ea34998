/**
 * User management on the server for the admin screens (GET/POST /api/users, PATCH
 * /api/users/:username, PUT …/password, DELETE …/sessions, DELETE /api/sessions), and who can be
 * assigned work in a site for every signed-in user (GET /api/people?site=…), over the app's one
 * API client. Failures reject with ApiError (status, the server's detail).
 */
import type { Role } from './session-controller';
import { apiClient, sameOriginApi, type ApiClient, type ApiClientOptions } from './api-client';

/** A user as the admin sees it. */
export interface AdminUser {
  username: string;
  role: Role;
  /** Sites a technician may see (other roles see every site). */
  sites: string[];
  disabled: boolean;
}

export interface NewUser {
  username: string;
  password: string;
  role: Role;
  sites: string[];
}

/** What an admin changes about a user. */
export interface UserChanges {
  role?: Role;
  sites?: string[];
  disabled?: boolean;
}

/** What the admin screens ask of the server about users (tests give their own client). */
export interface UsersApi {
  list(): Promise<AdminUser[]>;
  create(user: NewUser): Promise<AdminUser>;
  update(username: string, changes: UserChanges): Promise<AdminUser>;
  /** Sets a new password (ends that user's sessions). */
  resetPassword(username: string, password: string): Promise<void>;
  /** Ends every session of one user; how many there were. */
  signOut(username: string): Promise<number>;
  /** Ends every session of every user except the caller's; how many ended. */
  signEveryoneOut(): Promise<number>;
}

const userPath = (username: string) => `/api/users/${encodeURIComponent(username)}`;

/** The users API over `client` (default: same origin, session cookie). */
export function usersApi(client: ApiClient = sameOriginApi): UsersApi {
  return {
    async list() {
      return (await client.call<{ users: AdminUser[] }>('/api/users')).users;
    },
    async create(user) {
      const { user: created } = await client.call<{ user: Omit<AdminUser, 'disabled'> }>('/api/users', { method: 'POST', body: JSON.stringify(user) });
      return { ...created, disabled: false };
    },
    async update(username, changes) {
      return (await client.call<{ user: AdminUser }>(userPath(username), { method: 'PATCH', body: JSON.stringify(changes) })).user;
    },
    async resetPassword(username, password) {
      await client.call<undefined>(`${userPath(username)}/password`, { method: 'PUT', body: JSON.stringify({ password }) });
    },
    async signOut(username) {
      return (await client.call<{ ended: number }>(`${userPath(username)}/sessions`, { method: 'DELETE' })).ended;
    },
    async signEveryoneOut() {
      return (await client.call<{ ended: number }>('/api/sessions', { method: 'DELETE' })).ended;
    },
  };
}

/** The users API of another server (a base URL and a bearer token): tests, tools. */
export function usersApiAt(options: ApiClientOptions): UsersApi {
  return usersApi(apiClient(options));
}

/** Someone work in a site can be assigned to. */
export interface Person {
  /** The user name (what a work order's `assignee` holds). */
  name: string;
  role: Role;
}

/** Who can be assigned work (the work order forms' assignee choice; tests give their own). */
export interface PeopleApi {
  /**
   * The enabled technicians assigned to `site` and every enabled engineer and admin, by name.
   * Rejects with ApiError 403 for a technician asking about a site not theirs, 400 for a blank id.
   */
  people(site: string): Promise<Person[]>;
}

/** The people API over `client` (default: same origin, session cookie). */
export function peopleApi(client: ApiClient = sameOriginApi): PeopleApi {
  return {
    async people(site) {
      return (await client.call<{ people: Person[] }>(`/api/people?site=${encodeURIComponent(site)}`)).people;
    },
  };
}

/** The people API of another server (a base URL and a bearer token): tests, tools. */
export function peopleApiAt(options: ApiClientOptions): PeopleApi {
  return peopleApi(apiClient(options));
}
