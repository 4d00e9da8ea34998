// Sync in the app, in real Chromium over real IndexedDB: the SyncService's triggers, errors and
// states, and the gadgets that show them (<fl-sync-status>, <fl-conflicts>, <fl-offline-data>).
// The remote is a memory storage here; e2e/two-tablets.spec.ts runs the same against the server.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ChannelArray, CHUNK_SIZE } from '../../src/arrays';
import { PinService, SyncService, syncContext, type SessionCheck } from '../../src/controllers';
import { defineGadgets } from '../../src/gadgets';
import { PassThroughStorage } from '../../src/storage/common/pass-through';
import { ReplicateStorage, StorageError, createStorage, type AttachmentData, type Storage } from '../../src/storage';
import { ContextProvider } from '@lit/context';
import { LitElement, html } from 'lit';

defineGadgets();

let counter = 0;
const unique = (name: string): string => `${name}-${Date.now().toString(36)}-${++counter}`;

/** A remote that can be made unreachable, and a local that can run out of space. */
class Faulty extends PassThroughStorage {
  failure: StorageError | undefined;
  /** Names of the attachments written through this storage. */
  attachmentsPut: string[] = [];
  /** Sites whose documents this storage refuses, as the server refuses a technician (403). */
  refusedSites = new Set<string>();

  constructor(sub: Storage) {
    super(sub);
    Object.defineProperty(this, 'bulkDocs', {
      value: async (writes: Parameters<NonNullable<Storage['bulkDocs']>>[0]) => {
        // A server whose disk is full refuses the whole request (its 507).
        if (this.failure?.code === 'server_out_of_space') throw this.failure;
        const allowed = writes.filter((write) => !this.refusedSites.has(String(write.doc?.site)));
        const results = await sub.bulkDocs!(allowed);
        return writes.map((write) =>
          this.refusedSites.has(String(write.doc?.site))
            ? { id: write.id, ok: false, status: 403, code: 'forbidden', message: 'technicians write only documents of their own sites' }
            : results[allowed.indexOf(write)]!,
        );
      },
    });
  }
  override put(id: string, doc: Parameters<Storage['put']>[1]): Promise<string> {
    if (this.failure) return Promise.reject(this.failure);
    return super.put(id, doc);
  }
  override putAttachment(id: string, name: string, data: AttachmentData, type?: string, options?: Parameters<Storage['putAttachment']>[4]): Promise<void> {
    if (this.failure) return Promise.reject(this.failure);
    this.attachmentsPut.push(name);
    return super.putAttachment(id, name, data, type, options);
  }
  override changes(options?: Parameters<Storage['changes']>[0]) {
    if (this.failure?.code === 'unavailable') return Promise.reject(this.failure);
    return super.changes(options);
  }
}

class SyncHost extends LitElement {
  static override properties = { service: { attribute: false } };
  declare service: SyncService | undefined;
  readonly #provider = new ContextProvider(this, { context: syncContext });
  protected override willUpdate(): void {
    this.#provider.setValue(this.service);
  }
  override render() {
    return html`<fl-sync-status></fl-sync-status><fl-conflicts></fl-conflicts><fl-offline-data></fl-offline-data>`;
  }
}
customElements.define('sync-host', SyncHost);

let remoteData: Storage;
let remote: Faulty;
let local: Faulty;
let replica: ReplicateStorage;
let service: SyncService;
let session: SessionCheck;
let host: SyncHost;
let pins: PinService;
let pinSignatures: Map<string, Storage>;

const inside = <T extends Element>(tag: string): T => host.shadowRoot!.querySelector(tag) as unknown as T;
const shadowOf = (tag: string): ShadowRoot => inside<HTMLElement>(tag).shadowRoot!;
async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) {
    await new Promise((resolve) => setTimeout(resolve, 20));
    for (const tag of ['fl-sync-status', 'fl-conflicts', 'fl-offline-data']) await (inside<LitElement>(tag)).updateComplete;
  }
}
async function until(check: () => boolean | Promise<boolean>, what: string): Promise<void> {
  const deadline = Date.now() + 5000;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await settle();
  }
}
function button(root: ShadowRoot, label: string): HTMLButtonElement {
  const found = [...root.querySelectorAll('button')].find((item) => item.textContent?.trim() === label);
  if (!found) throw new Error(`no button ${label}`);
  return found;
}

beforeEach(async () => {
  remoteData = createStorage({ type: 'memory' });
  remote = new Faulty(remoteData);
  local = new Faulty(createStorage({ type: 'indexeddb', database: unique('sync-local') }));
  replica = new ReplicateStorage(local, remote, createStorage({ type: 'indexeddb', database: unique('sync-signatures') }), { query: 'NOT kind:"fl-channel-array"' });
  // One signature storage per pinned site, kept across syncs (the app's are IndexedDB databases).
  pinSignatures = new Map<string, Storage>();
  const signaturesFor = (site: string): Storage => {
    if (!pinSignatures.has(site)) pinSignatures.set(site, createStorage({ type: 'memory' }));
    return pinSignatures.get(site)!;
  };
  pins = new PinService({ local, remote, device: createStorage({ type: 'memory' }), signaturesFor });
  session = 'ok';
  service = new SyncService({ replica, pins, renewSession: async () => session, debounceMs: 50, intervalMs: 3_600_000, lastSyncKey: unique('last-sync') });
  host = document.createElement('sync-host') as SyncHost;
  host.service = service;
  document.body.append(host);
  await host.updateComplete;
});

afterEach(() => {
  service.stop();
  host.remove();
});

describe('SyncService', () => {
  it('sends a write soon after it lands, then shows the last sync and nothing pending', async () => {
    service.start();
    await until(() => service.status.lastSync !== null, 'the first sync');
    await replica.put('w1', { type: 'work_order', site: 'north', title: 'Fix pump' });
    await until(async () => (await remoteData.get('w1').then(() => true, () => false)) && service.status.pending === 0 && service.status.state === 'idle', 'the write to reach the remote');
    expect(await remoteData.get('w1')).toMatchObject({ title: 'Fix pump' });
    const status = shadowOf('fl-sync-status');
    await until(() => status.querySelector('.pending')?.textContent === '0 changes', 'pending 0');
    expect(status.querySelector('.last-sync')?.textContent).toContain('just now');
  });

  it('counts changes waiting while the server cannot be reached, retries later, and sends them when it can', async () => {
    remote.failure = new StorageError('unavailable', 'no network (test)');
    await replica.put('w2', { type: 'work_order', site: 'north', title: 'Offline edit' });
    expect(await service.syncNow()).toBe(false);
    expect(service.status.state).toBe('error');
    expect(service.status.retryAt).toBeGreaterThan(Date.now());
    await service.refreshCounts();
    expect(service.status.pending).toBe(1);
    await settle();
    expect(shadowOf('fl-sync-status').querySelector('[role="alert"]')?.textContent).toContain('cannot be reached');
    remote.failure = undefined;
    expect(await service.syncNow()).toBe(true);
    expect(service.status).toMatchObject({ state: 'idle', pending: 0, error: null });
    expect(await remoteData.get('w2')).toMatchObject({ title: 'Offline edit' });
  });

  it('out of space: a clear message, no automatic retry, and nothing lost', async () => {
    await remoteData.put('big', { type: 'inspection', site: 'north' });
    await remoteData.putAttachment('big', 'photo.jpg', new Uint8Array(1000), 'image/jpeg');
    await replica.put('mine', { type: 'inspection', site: 'north', note: 'kept' });
    local.failure = new StorageError('quota_exceeded', 'QuotaExceededError (test)');
    expect(await service.syncNow()).toBe(false);
    expect(service.status.error?.code).toBe('quota_exceeded');
    expect(service.status.retryAt).toBeNull();
    await settle();
    const alert = shadowOf('fl-sync-status').querySelector('[role="alert"]');
    expect(alert?.textContent).toContain('out of storage space');
    expect(alert?.querySelector('a')?.textContent).toContain('Unpin');
    local.failure = undefined;
    expect(await replica.get('mine')).toMatchObject({ note: 'kept' });
    expect(await service.syncNow()).toBe(true);
    expect(await remoteData.get('mine')).toMatchObject({ note: 'kept' });
    expect(new Uint8Array(await replica.getAttachment('big', 'photo.jpg', { format: 'array_buffer' }))).toHaveLength(1000);
  });

  it('the server out of space is not this device: said so, tried again later, nothing lost', async () => {
    await replica.put('mine', { type: 'inspection', site: 'north', note: 'waits for room' });
    remote.failure = new StorageError('server_out_of_space', '507: the server is out of storage space; nothing was written');
    expect(await service.syncNow()).toBe(false);
    expect(service.status.error?.code).toBe('server_out_of_space');
    expect(service.status.retryAt).toBeGreaterThan(Date.now());
    await settle();
    const alert = shadowOf('fl-sync-status').querySelector('[role="alert"]');
    expect(alert?.textContent).toContain('The server is out of storage space');
    expect(alert?.querySelector('a')).toBeNull();
    remote.failure = undefined;
    expect(await service.syncNow()).toBe(true);
    expect(await remoteData.get('mine')).toMatchObject({ note: 'waits for room' });
  });

  it('waits while another tab holds the sync lock, then syncs', async () => {
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    let taken!: () => void;
    const lockTaken = new Promise<void>((resolve) => (taken = resolve));
    void navigator.locks.request('fieldline-sync', () => {
      taken();
      return held;
    });
    await lockTaken;
    await replica.put('w4', { type: 'work_order', site: 'north', title: 'Behind the lock' });
    const syncing = service.syncNow();
    // The sync is waiting for the lock once its request is queued behind ours.
    await until(async () => ((await navigator.locks.query()).pending ?? []).some((lock) => lock.name === 'fieldline-sync'), 'the sync waiting for the lock');
    expect(service.status.state).toBe('syncing');
    expect((await remoteData.allDocs()).rows).toHaveLength(0);
    release();
    expect(await syncing).toBe(true);
    expect(await remoteData.get('w4')).toMatchObject({ title: 'Behind the lock' });
  });

  it('a sync asked for while one runs starts after it (joining it left a server change for the periodic sync)', async () => {
    // The running sync has read both feeds and is busy with its pins when the server changes a
    // document and the app asks to sync (a live event): that change must still come down now.
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let entered!: () => void;
    const inPins = new Promise<void>((resolve) => (entered = resolve));
    let pinSyncs = 0;
    const slowPins = Object.assign(new EventTarget(), {
      syncAll: async () => {
        if (pinSyncs++ === 0) {
          entered();
          await gate;
        }
        return { pulled: 0 };
      },
    }) as unknown as PinService;
    const gated = new SyncService({ replica, pins: slowPins, renewSession: async () => 'ok', debounceMs: 50, intervalMs: 3_600_000, lastSyncKey: unique('last-sync') });
    const first = gated.syncNow();
    await inPins;
    await remoteData.put('late', { type: 'work_order', site: 'north', title: 'Changed on the server meanwhile', status: 'open', notes: '' });
    const second = gated.syncNow();
    release();
    expect(await first).toBe(true);
    expect(await second).toBe(true);
    expect(pinSyncs).toBe(2);
    expect(await local.get('late')).toMatchObject({ title: 'Changed on the server meanwhile' });
  });

  it('a gone session shows the sign-in form and keeps the changes', async () => {
    session = 'signed-out';
    await replica.put('w3', { type: 'work_order', site: 'north', title: 'Waiting' });
    expect(await service.syncNow()).toBe(false);
    expect(service.status.state).toBe('signed-out');
    await settle();
    expect(shadowOf('fl-sync-status').querySelector('fl-sign-in')).not.toBeNull();
    expect(await replica.get('w3')).toMatchObject({ title: 'Waiting' });
  });

  it('shows the progress of a sync as pages come in', async () => {
    for (let i = 0; i < 1200; i++) await remoteData.put(`doc${i}`, { type: 'inspection', site: 'north', i });
    const seen: Array<number> = [];
    const totals = new Set<number | null>();
    service.addEventListener('change', () => {
      if (service.status.progress) seen.push(service.status.progress.done);
      if (service.status.progress?.phase === 'pull') totals.add(service.status.progress.total);
    });
    service.start();
    await until(() => service.status.lastSync !== null, 'the sync');
    expect(seen).toContain(500);
    expect(seen).toContain(1000);
    // The feed says how much is left, so the bar has a known end.
    expect([...totals]).toEqual([1200]);
    expect((await replica.allDocs()).rows).toHaveLength(1200);
  });
});

describe('refusals', () => {
  it('a write the server refuses is shown with its reason and kept on the device', async () => {
    remote.refusedSites.add('south');
    await replica.put('mine', { type: 'inspection', site: 'north', note: 'fine' });
    await replica.put('theirs', { type: 'inspection', site: 'south', note: 'not my site' });
    expect(await service.syncNow()).toBe(true);
    expect(await remoteData.get('mine')).toMatchObject({ note: 'fine' });
    expect(service.status.refused).toMatchObject([{ id: 'theirs', status: 403 }]);
    expect(service.status.pending).toBe(1);
    await settle();
    const box = shadowOf('fl-sync-status').querySelector('.refused');
    expect(box?.textContent).toContain('kept on this device');
    expect(box?.textContent).toContain('theirs');
    expect(box?.textContent).toContain('technicians write only documents of their own sites');
    expect(await replica.get('theirs')).toMatchObject({ note: 'not my site' });
  });
});

describe('<fl-conflicts>', () => {
  it('lists a conflict side by side with the differing field marked, and keeps the device version when asked', async () => {
    await remoteData.put('wo', { type: 'work_order', site: 'north', title: 'Gearbox', status: 'open', notes: '' });
    await service.syncNow();
    await remoteData.put('wo', { type: 'work_order', site: 'north', title: 'Gearbox', status: 'done', notes: 'from the office' });
    await replica.put('wo', { type: 'work_order', site: 'north', title: 'Gearbox', status: 'in_progress', notes: 'on site' });
    await service.syncNow();
    expect(service.status.conflicts).toBe(1);
    const conflicts = shadowOf('fl-conflicts');
    await until(() => conflicts.querySelector('article') !== null, 'the conflict to show');
    const article = conflicts.querySelector('article')!;
    expect(article.getAttribute('aria-label')).toBe('Conflict: Gearbox');
    const differing = [...article.querySelectorAll('tr.differs td:first-child')].map((cell) => cell.textContent);
    expect(differing.sort()).toEqual(['notes', 'status']);
    const row = [...article.querySelectorAll('tr')].find((item) => item.firstElementChild?.textContent === 'notes')!;
    expect([...row.querySelectorAll('td')].map((cell) => cell.textContent)).toEqual(['notes', 'on site', 'from the office']);
    button(conflicts, "Keep this device's version").click();
    await until(() => service.status.conflicts === 0 && service.status.state === 'idle' && service.status.pending === 0, 'the resolution to sync');
    expect(await remoteData.get('wo')).toMatchObject({ status: 'in_progress', notes: 'on site' });
    await until(() => conflicts.querySelector('.none') !== null, 'the list to empty');
  });
});

describe('<fl-offline-data>', () => {
  it('estimates a site before download, pins it (last days full, older as summaries), never sends the device copy (pull only), and unpins to free space', async () => {
    const day = 86_400_000;
    const now = Date.now();
    // Two chunks: the first ends 60 days ago, the second within the last 30 days.
    const array = await ChannelArray.create(remoteData, 'array/north/temp', { timing: 'regular', unit: '°C', site: 'north' });
    await array.append(new Float32Array(CHUNK_SIZE).fill(1), { t0: now - 90 * day, dt: (30 * day) / CHUNK_SIZE });
    await array.append(new Float32Array(100).fill(2), { t0: now - 5 * day, dt: 1000 });
    const data = shadowOf('fl-offline-data');
    await (inside<HTMLElement & { reload(): Promise<void> }>('fl-offline-data')).reload();
    await until(() => data.querySelector('tr[aria-label="Site north"]') !== null, 'the site list');
    button(data, 'Keep offline…').click();
    await until(() => data.querySelector('.estimate') !== null, 'the estimate');
    const estimate = await pins.estimate({ site: 'north', days: 30 });
    expect(estimate.arrays).toBe(1);
    // Only the recent chunk's values (+ summaries and metadata), not the old 256 KiB chunk.
    expect(estimate.bytes).toBeLessThan(CHUNK_SIZE * 4);
    expect(data.querySelector('.estimate')?.textContent).toContain('1 channel');
    button(data, 'Download').click();
    await until(() => data.textContent?.includes('Kept on this device') === true && service.status.state === 'idle', 'the download');
    const here = await local.allAttachments('array/north/temp');
    expect(Object.keys(here)).toContain('values/1');
    expect(Object.keys(here)).not.toContain('values/0');
    expect(Object.keys(here).some((name) => name.startsWith('summary/'))).toBe(true);
    const copy = await ChannelArray.open(local, 'array/north/temp');
    expect(copy.length).toBe(CHUNK_SIZE + 100);
    // Pins are pull only: samples written into the device's copy are never sent (readings travel
    // as reading documents), and the server's next change replaces the copy with the server's.
    await copy.append(new Float32Array(50).fill(3), { t0: now - 4 * day, dt: 1000 });
    remote.attachmentsPut = [];
    expect(await service.syncNow()).toBe(true);
    expect((await ChannelArray.open(remoteData, 'array/north/temp')).length).toBe(CHUNK_SIZE + 100);
    expect(remote.attachmentsPut).toEqual([]);
    // The pin's signatures lost: both sides look changed, and the server's version is the one kept.
    await array.append(new Float32Array(10).fill(4), { t0: now - 3 * day, dt: 1000 });
    await pinSignatures.get('north')!.destroy();
    pinSignatures.delete('north');
    expect(await service.syncNow()).toBe(true);
    const followed = await ChannelArray.open(local, 'array/north/temp');
    expect(followed.length).toBe(CHUNK_SIZE + 110);
    expect(Array.from((await followed.read(CHUNK_SIZE + 99, CHUNK_SIZE + 101)).values)).toEqual([2, 4]);
    expect(remote.attachmentsPut).toEqual([]);
    button(data, 'Unpin').click();
    await until(() => data.textContent?.includes('Kept on this device') === false, 'the unpin');
    expect((await local.allDocs()).rows.map((row) => row.id)).not.toContain('array/north/temp');
    expect(await remoteData.get('array/north/temp')).toMatchObject({ kind: 'fl-channel-array' });
    await service.syncNow();
    expect(await remoteData.get('array/north/temp')).toMatchObject({ kind: 'fl-channel-array' });
  });
});

/** The header's one-line status and a sign-in form of another view (Channels, Sources, Import). */
class HeaderHost extends LitElement {
  static override properties = { service: { attribute: false } };
  declare service: SyncService | undefined;
  readonly #provider = new ContextProvider(this, { context: syncContext });
  protected override willUpdate(): void {
    this.#provider.setValue(this.service);
  }
  override render() {
    return html`<fl-sync-status compact></fl-sync-status><fl-sign-in legend="Sign in to see the server's channels"></fl-sign-in>`;
  }
}
customElements.define('header-host', HeaderHost);

/** What <fl-sign-in> fires once POST /api/session succeeded (the gadget's contract). */
function signedIn(from: Element): void {
  from.dispatchEvent(new CustomEvent('fl-signed-in', { detail: { username: 'tech', role: 'technician' }, bubbles: true, composed: true }));
}

describe('signing in (new-user bugs)', () => {
  it('header kept "Signed out" after signing in elsewhere: it leaves it at once and syncs', async () => {
    const header = document.createElement('header-host') as HeaderHost;
    header.service = service;
    document.body.append(header);
    await header.updateComplete;
    try {
      session = 'signed-out';
      service.start();
      const badge = (): string => header.shadowRoot!.querySelector('fl-sync-status')!.shadowRoot!.querySelector('a')?.textContent ?? '';
      await until(() => badge() === 'Signed out', 'the header to say Signed out');
      session = 'ok';
      signedIn(header.shadowRoot!.querySelector('fl-sign-in')!);
      // The periodic sync is an hour away here (five minutes in the app) and skips a signed-out device.
      await until(() => badge() === 'Up to date' && service.status.lastSync !== null, 'the header to leave Signed out');
    } finally {
      header.remove();
    }
  });

  it('Sync view kept "Sign in" after signing in while a sync was asking for the session', async () => {
    // A sync already waiting on the old session check (the periodic one, a write's) when the form is sent.
    let answer: ((check: SessionCheck) => void) | undefined;
    const renewSession = (): Promise<SessionCheck> => (answer ? Promise.resolve(session) : new Promise<SessionCheck>((resolve) => (answer = resolve)));
    service.stop();
    service = new SyncService({ replica, pins, renewSession, debounceMs: 50, intervalMs: 3_600_000, lastSyncKey: unique('last-sync') });
    host.service = service;
    session = 'signed-out';
    service.start();
    await until(() => answer !== undefined, 'the first session check');
    answer!('signed-out');
    await until(() => service.status.state === 'signed-out', 'signed out');
    answer = undefined;
    await replica.put('w5', { type: 'work_order', site: 'north', title: 'Written while signed out' });
    // Its sync is now waiting for the session check, which will answer from before the sign-in.
    await until(() => answer !== undefined, 'the write\'s sync to ask for the session');
    const status = shadowOf('fl-sync-status');
    await until(() => status.querySelector('fl-sign-in') !== null, 'the sign-in form');
    session = 'ok';
    signedIn(status.querySelector('fl-sign-in')!);
    answer!('signed-out');
    await until(() => status.querySelector('fl-sign-in') === null && service.status.state === 'idle' && service.status.pending === 0, 'the sign-in form to go');
    expect(await remoteData.get('w5')).toMatchObject({ title: 'Written while signed out' });
  });
});

describe('refused writes (new-user bugs)', () => {
  async function refuseOne(): Promise<ShadowRoot> {
    await replica.put('site/north', { type: 'site', title: 'North' });
    await replica.put('site/south', { type: 'site', title: 'South' });
    remote.refusedSites.add('site/south');
    await replica.put('wo-wrong', { type: 'work_order', site: 'site/south', title: 'Wrong site', status: 'open', notes: 'typed on site' });
    expect(await service.syncNow()).toBe(true);
    expect(service.status.refused).toEqual(expect.arrayContaining([expect.objectContaining({ id: 'wo-wrong', status: 403 })]));
    const conflicts = shadowOf('fl-conflicts');
    await until(() => conflicts.querySelector('article[aria-label="Refused: Wrong site"]') !== null, 'the refused write to show');
    return conflicts;
  }

  it('header said "Up to date · 1 pending" for a refused write: it says "1 refused"', async () => {
    const header = document.createElement('header-host') as HeaderHost;
    header.service = service;
    document.body.append(header);
    await header.updateComplete;
    try {
      await refuseOne();
      const badge = (): string => header.shadowRoot!.querySelector('fl-sync-status')!.shadowRoot!.querySelector('a')?.textContent ?? '';
      await until(() => badge() !== '' && badge() !== 'Up to date', 'the badge');
      expect(badge()).toBe('1 refused');
    } finally {
      header.remove();
    }
  });

  it('a refused write could not be corrected: its site is chosen again from the list and it goes', async () => {
    const conflicts = await refuseOne();
    const card = conflicts.querySelector('article[aria-label="Refused: Wrong site"]')!;
    expect(card.querySelector('.reason')?.textContent).toBe('technicians write only documents of their own sites');
    const select = card.querySelector('select')!;
    expect([...select.options].map((option) => option.textContent)).toEqual(['North', 'South']);
    select.value = 'site/north';
    button(card as unknown as ShadowRoot, 'Save and send again').click();
    await until(() => service.status.refused.length === 0 && service.status.pending === 0 && service.status.state === 'idle', 'the corrected write to go');
    expect(await remoteData.get('wo-wrong')).toMatchObject({ site: 'site/north', notes: 'typed on site' });
    await until(() => conflicts.querySelector('article.refused') === null, 'the card to go');
  });

  it('a refused write could not be cleared: discarding it restores the server\'s version and nothing is pending', async () => {
    // An existing work order moved to a site the server refuses, and one created there.
    await remoteData.put('wo-moved', { type: 'work_order', site: 'site/north', title: 'Moved', status: 'open', notes: 'server' });
    await service.syncNow();
    await replica.put('wo-moved', { type: 'work_order', site: 'site/south', title: 'Moved', status: 'done', notes: 'device' });
    const conflicts = await refuseOne();
    expect(service.status.refused.map((refusal) => refusal.id).sort()).toEqual(['wo-moved', 'wo-wrong']);
    for (const title of ['Wrong site', 'Moved']) {
      await until(() => conflicts.querySelector(`article[aria-label="Refused: ${title}"]`) !== null, `the card of ${title}`);
      button(conflicts.querySelector(`article[aria-label="Refused: ${title}"]`) as unknown as ShadowRoot, "Discard this device's change").click();
      await until(() => conflicts.querySelector(`article[aria-label="Refused: ${title}"]`) === null, `the card of ${title} to go`);
    }
    await until(() => service.status.refused.length === 0 && service.status.pending === 0, 'nothing refused or pending');
    expect(await replica.get('wo-moved')).toMatchObject({ site: 'site/north', notes: 'server' });
    await expect(replica.get('wo-wrong')).rejects.toMatchObject({ status: 404 });
    expect(await service.syncNow()).toBe(true);
    expect(service.status).toMatchObject({ pending: 0, refused: [] });
    expect(await remoteData.get('wo-moved')).toMatchObject({ site: 'site/north', notes: 'server' });
  });
});
