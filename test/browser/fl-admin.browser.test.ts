// The admin screens in real Chromium: <fl-admin-sites> and <fl-admin-assets> over a real storage
// (IndexedDB; the app gives them the server's `http` storage, whose checks are tested in
// test/unit/asset-model-server.node.test.ts), <fl-admin-users> over an in-page users API that
// keeps users as the server does (the real API client is tested against a real server in
// test/unit/admin-api.node.test.ts).
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { defineGadgets, type FlAdminAssets, type FlAdminSites, type FlAdminUsers } from '../../src/gadgets';
import { ApiError, type AdminUser, type NewUser, type UserChanges, type UsersApi } from '../../src/controllers';
import { createStorage, type Storage } from '../../src/storage';
import { uniqueName } from '../conformance/helpers';

defineGadgets();

let storage: Storage;
let gadget: (FlAdminSites | FlAdminAssets | FlAdminUsers) & HTMLElement;

/** Resolves once `check` holds (the gadgets write and list asynchronously). */
async function until(check: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 5000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  await gadget.updateComplete;
}

const root = (): ShadowRoot => gadget.shadowRoot!;
/** The Shoelace control with this label inside `scope`. */
function control(scope: ParentNode, label: string): HTMLElement & { value: unknown } {
  const found = [...scope.querySelectorAll('sl-input, sl-select, sl-textarea')].find((element) => element.getAttribute('label') === label);
  if (!found) throw new Error(`no control labelled ${label}`);
  return found as HTMLElement & { value: unknown };
}
/** Types into a Shoelace control as a user would (its value, then its input and change events). */
async function fill(scope: ParentNode, label: string, value: string | string[]): Promise<void> {
  const element = control(scope, label);
  element.value = value;
  element.dispatchEvent(new Event('sl-input', { bubbles: true, composed: true }));
  element.dispatchEvent(new Event('sl-change', { bubbles: true, composed: true }));
  await gadget.updateComplete;
}
const button = (scope: ParentNode, text: string): HTMLElement => {
  const found = [...scope.querySelectorAll('sl-button')].find((candidate) => candidate.textContent?.replace(/\s+/g, ' ').trim().startsWith(text));
  if (!found) throw new Error(`no button ${text}`);
  return found as HTMLElement;
};
const form = (): HTMLFormElement => root().querySelector('form')!;
/** Clicks a button that opens a form (it may ask first, so the form comes a moment later). */
async function open(scope: ParentNode, text: string): Promise<void> {
  button(scope, text).click();
  await until(() => root().querySelector('form') !== null, `the form of ${text}`);
}
const submit = async (scope: HTMLFormElement = form()) => {
  scope.requestSubmit();
  await gadget.updateComplete;
};
/** The Edit buttons' names as a sighted user reads them (a part clipped out of sight is reported). */
const editNames = (): string[] =>
  [...root().querySelectorAll('sl-button')]
    .filter((candidate) => candidate.textContent!.trim().startsWith('Edit'))
    .map((candidate) => {
      const name = candidate.textContent!.replace(/\s+/g, ' ').trim();
      return [...candidate.querySelectorAll('*')].some((part) => getComputedStyle(part).clipPath !== 'none') ? `partly hidden: ${name}` : name;
    });
/** The gadget's own headings (the shell's h2 already names the view). */
const headings = (): string[] => [...root().querySelectorAll('h2, h3, h4')].map((heading) => heading.textContent!.trim());
const optionsOf = (select: HTMLElement) => [...select.querySelectorAll('sl-option')].map((option) => option.textContent!.trim());

beforeEach(() => {
  storage = createStorage({ type: 'query', sub_storage: { type: 'indexeddb', database: uniqueName('admin'), index: ['type', 'site'] } });
});

afterEach(async () => {
  gadget?.remove();
  document.querySelectorAll('sl-dialog').forEach((element) => element.remove());
  await storage.destroy();
});

async function mount<T extends HTMLElement>(tag: string, setup: (element: T) => void = () => undefined): Promise<T> {
  const element = document.createElement(tag) as T & { storage: Storage };
  element.storage = storage;
  setup(element);
  document.body.append(element);
  gadget = element as unknown as typeof gadget;
  await gadget.updateComplete;
  return element;
}

describe('<fl-admin-sites>', () => {
  it('creates a site with an id made from its title, and edits it keeping the keys it does not show', async () => {
    await mount('fl-admin-sites');
    await until(() => root().textContent!.includes('No sites yet'), 'the empty list');
    await open(root(), 'New site');
    await fill(form(), 'Title', 'North Sea Wind');
    await fill(form(), 'Location', 'Off Esbjerg');
    await fill(form(), 'Latitude', '55.4');
    await submit();
    await until(() => root().querySelector('tr[data-site="site/north-sea-wind"]') !== null, 'the new site listed');
    expect(await storage.get('site/north-sea-wind')).toEqual({ type: 'site', title: 'North Sea Wind', kind: 'wind_farm', location: { label: 'Off Esbjerg', lat: 55.4 } });
    expect(root().querySelector('form')).toBeNull();
    // The view's title is the shell's; every Edit button says what it edits.
    expect(headings()).toEqual([]);
    expect(editNames()).toEqual(['Edit North Sea Wind']);

    await storage.put('site/north-sea-wind', { ...(await storage.get('site/north-sea-wind')), simulated: true, owner_note: 'kept' });
    await (gadget as FlAdminSites).reload();
    await open(root().querySelector('tr[data-site="site/north-sea-wind"]')!, 'Edit');
    expect(control(form(), 'Title').value).toBe('North Sea Wind');
    await fill(form(), 'Kind', 'solar_plant');
    await fill(form(), 'Location', '');
    await submit();
    // A location with coordinates needs its name: refused here, with the model's words, nothing written.
    await until(() => root().querySelector('[role=alert]') !== null, 'the refusal');
    expect(root().querySelector('[role=alert]')!.textContent).toContain('location.label must be a string');
    expect(((await storage.get('site/north-sea-wind')) as { kind: string }).kind).toBe('wind_farm');
    await fill(form(), 'Latitude', '');
    await submit();
    await until(() => root().querySelector('form') === null, 'the form closing');
    expect(await storage.get('site/north-sea-wind')).toEqual({ type: 'site', title: 'North Sea Wind', kind: 'solar_plant', simulated: true, owner_note: 'kept' });
  });
});

describe('<fl-admin-sites> retention', () => {
  it('sets how many days raw samples are kept, refuses what is not whole days, and clears it back to the default', async () => {
    await storage.put('site/north', { type: 'site', title: 'North', kind: 'wind_farm' });
    await mount('fl-admin-sites');
    await until(() => root().querySelector('tr[data-site="site/north"]') !== null, 'the site listed');
    await open(root().querySelector('tr[data-site="site/north"]')!, 'Edit');
    expect(control(form(), 'Keep raw samples (days)').value).toBe('');
    await fill(form(), 'Keep raw samples (days)', '2.5');
    await submit();
    await until(() => root().querySelector('[role=alert]') !== null, 'the refusal');
    expect(root().querySelector('[role=alert]')!.textContent).toContain('retention_days must be a whole number of days');
    expect(await storage.get('site/north')).toEqual({ type: 'site', title: 'North', kind: 'wind_farm' });
    await fill(form(), 'Keep raw samples (days)', '90');
    await submit();
    await until(() => root().querySelector('form') === null, 'the form closing');
    expect(await storage.get('site/north')).toEqual({ type: 'site', title: 'North', kind: 'wind_farm', retention_days: 90 });
    await open(root().querySelector('tr[data-site="site/north"]')!, 'Edit');
    expect(control(form(), 'Keep raw samples (days)').value).toBe('90');
    await fill(form(), 'Keep raw samples (days)', '');
    await submit();
    await until(() => root().querySelector('form') === null, 'the form closing');
    expect(await storage.get('site/north')).toEqual({ type: 'site', title: 'North', kind: 'wind_farm' });
  });
});

describe('<fl-admin-assets>', () => {
  beforeEach(async () => {
    await storage.put('site/north', { type: 'site', title: 'North', kind: 'wind_farm' });
    await storage.put('site/south', { type: 'site', title: 'South', kind: 'solar_plant' });
    await storage.put('asset/south/inv01', { type: 'asset', site: 'site/south', title: 'Inverter INV01', asset_type: 'inverter' });
  });

  const rows = () => [...root().querySelectorAll<HTMLElement>('[data-asset]')].map((row) => `${row.style.paddingInlineStart || '0rem'} ${row.querySelector('.name span')!.textContent!.trim()}`);

  it('chooses the site from a list of titles and builds a tree, offering only parents that keep it one', async () => {
    await mount('fl-admin-assets');
    await until(() => root().textContent!.includes('North has no assets yet'), 'the first site chosen');
    const site = control(root(), 'Site');
    expect(optionsOf(site)).toEqual(['North', 'South']);

    await open(root(), 'New asset');
    await fill(form(), 'Title', 'Turbine T01');
    await fill(form(), 'Make', 'Nordwind');
    await fill(form(), 'Commissioned', '2019-06-30');
    await submit();
    await until(() => root().querySelector('[data-asset="asset/north/turbine-t01"]') !== null, 'the turbine listed');
    expect(headings()).not.toContain('Assets');
    expect(editNames()).toEqual(['Edit Turbine T01']);
    expect(await storage.get('asset/north/turbine-t01')).toEqual({ type: 'asset', site: 'site/north', title: 'Turbine T01', asset_type: 'turbine', make: 'Nordwind', commissioned: '2019-06-30' });

    await open(root(), 'New asset');
    await fill(form(), 'Title', 'T01 gearbox');
    await fill(form(), 'Type', 'gearbox');
    expect(optionsOf(control(form(), 'Part of'))).toEqual(['Nothing (a top-level asset)', 'Turbine T01']);
    await fill(form(), 'Part of', 'asset/north/turbine-t01');
    await submit();
    await until(() => root().querySelector('[data-asset="asset/north/t01-gearbox"]') !== null, 'the gearbox listed');
    expect(await storage.get('asset/north/t01-gearbox')).toMatchObject({ parent: 'asset/north/turbine-t01', asset_type: 'gearbox' });
    expect(rows()).toEqual(['0rem Turbine T01', '1.5rem T01 gearbox']);

    // The turbine may not go under its own gearbox (or itself); other sites' assets are not offered.
    await open(root().querySelector('[data-asset="asset/north/turbine-t01"]')!, 'Edit');
    expect(optionsOf(control(form(), 'Part of'))).toEqual(['Nothing (a top-level asset)']);
    button(form(), 'Cancel').click();
    await gadget.updateComplete;

    await fill(root(), 'Site', 'site/south');
    await until(() => rows().length === 1, 'the south site');
    expect(rows()).toEqual(['0rem Inverter INV01']);
  });

  it('asks before another site drops an unsaved asset, and stays on the site when told to keep editing', async () => {
    await mount('fl-admin-assets');
    await until(() => root().textContent!.includes('North has no assets yet'), 'the list');
    await open(root(), 'New asset');
    await fill(form(), 'Title', 'Half typed');
    await fill(root(), 'Site', 'site/south');
    await until(() => document.querySelector('sl-dialog [data-answer="cancel"]') !== null, 'the question');
    (document.querySelector('sl-dialog [data-answer="cancel"]') as HTMLElement).click();
    await until(() => control(root(), 'Site').value === 'site/north', 'the site select back on North');
    expect(control(form(), 'Title').value).toBe('Half typed');
    expect(root().textContent).toContain('New asset in North');
  });

  it('refuses a commissioning date that is not a date, keeping the form as typed', async () => {
    await mount('fl-admin-assets');
    await until(() => root().textContent!.includes('North has no assets yet'), 'the list');
    await open(root(), 'New asset');
    await fill(form(), 'Title', 'Met mast');
    await fill(form(), 'Commissioned', '2021-02-30');
    await submit();
    await until(() => root().querySelector('[role=alert]') !== null, 'the refusal');
    expect(root().querySelector('[role=alert]')!.textContent).toContain('not a calendar date');
    expect(control(form(), 'Title').value).toBe('Met mast');
    expect((await storage.allDocs({ query: 'site:"site/north"' })).rows).toHaveLength(0);
  });
});

/** Users kept as the server keeps them (the last admin stays, a weak password is refused). */
class UsersInPage implements UsersApi {
  readonly users = new Map<string, AdminUser>([['admin', { username: 'admin', role: 'admin', sites: [], disabled: false }]]);
  readonly calls: string[] = [];
  async list() {
    return [...this.users.values()].sort((a, b) => a.username.localeCompare(b.username));
  }
  async create(user: NewUser) {
    this.calls.push(`create ${user.username}`);
    if (user.password.startsWith('password')) throw new ApiError(400, 'the password is one of the first every guesser tries; choose another');
    const created = { username: user.username, role: user.role, sites: user.sites, disabled: false };
    this.users.set(user.username, created);
    return created;
  }
  async update(username: string, changes: UserChanges) {
    this.calls.push(`update ${username} ${JSON.stringify(changes)}`);
    const user = { ...this.users.get(username)!, ...changes };
    this.users.set(username, user);
    return user;
  }
  async resetPassword(username: string) {
    this.calls.push(`password ${username}`);
  }
  async signOut(username: string) {
    this.calls.push(`sign out ${username}`);
    return 2;
  }
  async signEveryoneOut() {
    this.calls.push('sign everyone out');
    return 5;
  }
}

describe('<fl-admin-users>', () => {
  let api: UsersInPage;
  beforeEach(async () => {
    api = new UsersInPage();
    await storage.put('site/north', { type: 'site', title: 'North' });
    await storage.put('site/south', { type: 'site', title: 'South' });
  });

  const createForm = () => [...root().querySelectorAll('form')].at(-1)!;

  it('creates a technician with sites chosen by title, shows titles, and edits role, sites and disabled', async () => {
    await mount<FlAdminUsers>('fl-admin-users', (element) => (element.api = api));
    await until(() => root().querySelector('tr[data-user="admin"]') !== null && optionsOf(control(createForm(), 'Sites')).length === 2, 'the users and sites');
    expect(optionsOf(control(createForm(), 'Sites'))).toEqual(['North', 'South']);
    await fill(createForm(), 'Username', 'tom');
    await fill(createForm(), 'Password', 'password1234');
    await fill(createForm(), 'Sites', ['site/north', 'site/south']);
    await submit(createForm());
    await until(() => root().querySelector('[role=alert]') !== null, 'the refusal');
    expect(root().querySelector('[role=alert]')!.textContent).toContain('one of the first every guesser tries');
    await fill(createForm(), 'Password', 'a long enough passphrase');
    await submit(createForm());
    await until(() => root().querySelector('tr[data-user="tom"]') !== null, 'tom listed');
    expect(api.users.get('tom')).toEqual({ username: 'tom', role: 'technician', sites: ['site/north', 'site/south'], disabled: false });
    expect(root().querySelector('tr[data-user="tom"]')!.textContent).toContain('North, South');
    expect(headings()).not.toContain('Users');
    expect(editNames()).toEqual(['Edit admin', 'Edit tom']);
    expect(root().querySelector('tr[data-user="tom"]')!.textContent).not.toContain('site/');

    button(root().querySelector('tr[data-user="tom"]')!, 'Edit').click();
    await until(() => root().querySelector('#edit-user-title') !== null, 'the edit form');
    const edit = root().querySelector('form')!;
    await fill(edit, 'Sites', ['site/south']);
    const toggle = edit.querySelector('sl-switch') as HTMLElement & { checked: boolean };
    toggle.checked = true;
    toggle.dispatchEvent(new Event('sl-change', { bubbles: true, composed: true }));
    await submit(edit);
    await until(() => api.users.get('tom')!.disabled, 'tom disabled');
    expect(api.users.get('tom')).toMatchObject({ role: 'technician', sites: ['site/south'], disabled: true });
    await until(() => root().querySelector('tr[data-user="tom"]')!.textContent!.includes('Disabled'), 'the state shown');
  });

  it('signs everyone out only after the confirmation', async () => {
    await mount<FlAdminUsers>('fl-admin-users', (element) => (element.api = api));
    await until(() => root().querySelector('tr[data-user="admin"]') !== null, 'the users');
    button(root(), 'Sign everyone out').click();
    await until(() => document.querySelector('sl-dialog [data-answer="cancel"]') !== null, 'the confirmation');
    (document.querySelector('sl-dialog [data-answer="cancel"]') as HTMLElement).click();
    await until(() => document.querySelector('sl-dialog') === null, 'the dialog closing');
    expect(api.calls).toEqual([]);
    button(root(), 'Sign everyone out').click();
    await until(() => document.querySelector('sl-dialog [data-answer="confirm"]') !== null, 'the confirmation again');
    (document.querySelector('sl-dialog [data-answer="confirm"]') as HTMLElement).click();
    await until(() => api.calls.includes('sign everyone out'), 'the call');
    await until(() => [...document.querySelectorAll('sl-alert')].some((alert) => alert.textContent!.includes('5 sessions ended')), 'the toast');
  });
});
