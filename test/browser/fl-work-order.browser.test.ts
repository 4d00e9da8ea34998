// <fl-work-order> in real Chromium over a real IndexedDB storage: the facts with titles, the
// lifecycle buttons of the role (one history entry per write), checklist answers (a value out of
// limits asked first, a value item with a field writing a reading/<uuid> the result names),
// photos resized in the real worker and stored as attachments (a bad file writes nothing), the
// Details form (only changed fields in the history, the unsaved guard), reopen with a comment.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ContextProvider } from '@lit/context';
import { LitElement, html } from 'lit';
import { peopleApiAt, storageContext, unsavedChanges, type PeopleApi } from '../../src/controllers';
import type { ChecklistItem, WorkOrder } from '../../src/core';
import { defineGadgets, type FlWorkOrder } from '../../src/gadgets';
import { createStorage, type Doc, type Storage } from '../../src/storage';
import { uniqueName } from '../conformance/helpers';
import { withExif } from '../support/exif-jpeg';
import { TEST_SERVER_ADMIN_PASSWORD, TEST_SERVER_URL, login, serverExpect } from './support/test-server';

defineGadgets();

class OrderHost extends LitElement {
  static override properties = { storage: { attribute: false }, view: { attribute: false } };
  declare storage: Storage | undefined;
  declare view: unknown;
  readonly #storage = new ContextProvider(this, { context: storageContext });
  protected override willUpdate(): void {
    this.#storage.setValue(this.storage);
  }
  override render() {
    return this.view;
  }
}
customElements.define('order-host', OrderHost);

const ID = 'work_order/test-inspection';
const checklist: ChecklistItem[] = [
  { id: 'guard', label: 'Guards in place', kind: 'pass_fail' },
  { id: 'oil', label: 'Gearbox oil temperature', kind: 'value', unit: '°C', min: 10, max: 70, field: 'oil_temp' },
  { id: 'remarks', label: 'Remarks', kind: 'text' },
];

function order(overrides: Partial<WorkOrder> = {}): WorkOrder {
  return {
    type: 'work_order',
    site: 'site/north',
    asset: 'asset/north/t01',
    title: 'Quarterly inspection T01',
    notes: '',
    status: 'assigned',
    assignee: 'tess',
    priority: 'high',
    due: '2020-01-02',
    kind: 'inspection',
    checklist,
    history: [{ id: 'h0', at: '2026-11-30T08:00:00.000Z', by: 'erin', action: 'created' }],
    created_at: '2026-11-30T08:00:00.000Z',
    created_by: 'erin',
    ...overrides,
  };
}

let storage: Storage;
let host: OrderHost;
let gadget: FlWorkOrder;
const titles: string[] = [];

async function until(check: () => boolean | Promise<boolean>, what: string, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  await gadget.updateComplete;
}

const root = (): ShadowRoot => gadget.shadowRoot!;
const stored = async (): Promise<WorkOrder> => (await storage.get(ID)) as unknown as WorkOrder;
const transition = (to: string): HTMLElement | null => root().querySelector(`sl-button[data-transition="${to}"]`);
const item = (id: string): HTMLElement => root().querySelector(`[data-item="${id}"]`)!;
const buttonNamed = (scope: ParentNode, name: string): HTMLElement => [...scope.querySelectorAll<HTMLElement>('sl-button, button')].find((candidate) => candidate.textContent?.trim() === name)!;

async function mount(doc: WorkOrder, role: 'technician' | 'engineer' = 'technician', username = 'tess', people?: PeopleApi): Promise<void> {
  await storage.put(ID, doc as unknown as Doc);
  await storage.put('site/north', { type: 'site', title: 'North Sea Wind' });
  await storage.put('asset/north/t01', { type: 'asset', site: 'site/north', title: 'Turbine T01' });
  host.view = html`<fl-work-order .workOrder=${ID} .username=${username} .userRole=${role} .people=${people}></fl-work-order>`;
  await host.updateComplete;
  gadget = host.shadowRoot!.querySelector('fl-work-order')!;
  await until(() => root().querySelector('[data-status]') !== null && root().textContent!.includes('Turbine T01'), 'the work order with titles');
}

async function typeInto(element: Element, value: string): Promise<void> {
  (element as Element & { value: string }).value = value;
  element.dispatchEvent(new Event('sl-input', { bubbles: true, composed: true }));
  await gadget.updateComplete;
}

/** Answers the confirmation dialog the page opened in document.body. */
async function answerConfirm(answer: 'confirm' | 'cancel'): Promise<string> {
  let dialog: HTMLElement | null = null;
  await until(() => (dialog = document.querySelector('sl-dialog[data-confirm]')) !== null, 'the confirmation');
  const text = dialog!.querySelector('p')!.textContent!;
  dialog!.querySelector<HTMLElement>(`[data-answer="${answer}"]`)!.click();
  await until(() => document.querySelector('sl-dialog[data-confirm]') === null, 'the confirmation to go');
  return text;
}

async function photoFile(name: string, width: number, height: number, orientation?: number): Promise<File> {
  const canvas = new OffscreenCanvas(width, height);
  const context = canvas.getContext('2d')!;
  context.fillStyle = '#3a7';
  context.fillRect(0, 0, width, height);
  context.fillStyle = '#a33';
  context.fillRect(0, 0, width / 3, height);
  const bytes = new Uint8Array(await (await canvas.convertToBlob({ type: 'image/jpeg', quality: 0.95 })).arrayBuffer());
  return new File([orientation ? withExif(bytes, { orientation }) : bytes], name, { type: 'image/jpeg' });
}

async function choosePhotos(files: File[]): Promise<void> {
  const input = root().querySelector<HTMLInputElement>('input[type="file"]')!;
  const transfer = new DataTransfer();
  for (const file of files) transfer.items.add(file);
  input.files = transfer.files;
  input.dispatchEvent(new Event('change', { bubbles: true }));
}

const onTitle = (event: Event) => titles.push((event as CustomEvent<{ title: string }>).detail.title);

beforeEach(async () => {
  storage = createStorage({ type: 'query', sub_storage: { type: 'indexeddb', database: uniqueName('work-order'), index: ['type', 'site', 'asset'] } });
  host = document.createElement('order-host') as OrderHost;
  host.storage = storage;
  document.body.append(host);
  titles.length = 0;
  host.addEventListener('fl-title', onTitle);
});

afterEach(async () => {
  host.remove();
  document.querySelectorAll('sl-dialog[data-confirm]').forEach((dialog) => dialog.remove());
  await storage.destroy();
});

describe('<fl-work-order>', () => {
  it('shows the facts by title, overdue marked, and reports its title for the shell', async () => {
    await mount(order());
    expect(titles).toContain('Quarterly inspection T01');
    expect(root().querySelector('[data-status]')!.getAttribute('data-status')).toBe('assigned');
    expect(root().querySelector('[data-fact="site"]')!.textContent).toContain('North Sea Wind');
    expect(root().querySelector('[data-fact="asset"] a')!.getAttribute('href')).toBe('#/assets/asset%2Fnorth%2Ft01');
    expect(root().querySelector('[data-fact="assignee"]')!.textContent).toContain('tess');
    expect(root().querySelector('[data-overdue]')).not.toBeNull();
    expect(root().querySelector('[data-fact="due"] .overdue')).not.toBeNull();
    expect(root().textContent).not.toMatch(/site\/north|asset\/north/);
  });

  it("offers the role's lifecycle buttons and writes each change with one history entry", async () => {
    await mount(order());
    expect([...root().querySelectorAll('sl-button[data-transition]')].map((button) => button.textContent!.trim())).toEqual(['Start']);
    transition('in_progress')!.click();
    await until(async () => (await stored()).status === 'in_progress', 'the start to be stored');
    let doc = await stored();
    expect(doc.history).toHaveLength(2);
    expect(doc.history!.at(-1)).toMatchObject({ action: 'status', by: 'tess', changes: { status: { from: 'assigned', to: 'in_progress' } } });
    await until(() => transition('done') !== null, 'Mark done and Put on hold');
    expect([...root().querySelectorAll('sl-button[data-transition]')].map((button) => button.textContent!.trim())).toEqual(['Mark done', 'Put on hold']);
    transition('done')!.click();
    await until(async () => (await stored()).status === 'done', 'done to be stored');
    doc = await stored();
    expect(doc.completed_at).toBeTruthy();
    // A technician cannot verify or reopen.
    await until(() => root().querySelector('[data-status="done"]') !== null, 'the done status shown');
    expect(root().querySelectorAll('sl-button[data-transition]')).toHaveLength(0);
    // The history shows newest first, in words.
    const entries = [...root().querySelectorAll('ol.history li')].map((entry) => entry.textContent!.replace(/\s+/g, ' '));
    expect(entries[0]).toContain('Status: In progress → Done');
    expect(entries.at(-1)).toContain('Created');
  });

  it('an engineer verifies a done work order, or reopens it only with a comment', async () => {
    await mount(order({ status: 'done', completed_at: '2026-12-01T10:00:00.000Z' }), 'engineer', 'erin');
    expect([...root().querySelectorAll('sl-button[data-transition]')].map((button) => button.textContent!.trim())).toEqual(['Verify', 'Reopen']);
    root().querySelectorAll<HTMLElement>('sl-button[data-transition="in_progress"]')[0]!.click();
    const dialog = root().querySelector<HTMLElement & { open: boolean }>('sl-dialog[data-reopen]')!;
    await until(() => dialog.open, 'the reopen dialog');
    const reopen = buttonNamed(dialog, 'Reopen') as HTMLElement & { disabled: boolean };
    expect(reopen.disabled).toBe(true);
    await typeInto(dialog.querySelector('sl-textarea')!, 'Oil level not recorded');
    expect(reopen.disabled).toBe(false);
    reopen.click();
    await until(async () => (await stored()).status === 'in_progress', 'the reopen stored');
    expect((await stored()).history!.at(-1)).toMatchObject({ action: 'reopened', by: 'erin', comment: 'Oil level not recorded' });
  });

  it('records checklist answers: pass/fail toggles, a value out of limits asked first and written with its reading, text', async () => {
    await mount(order({ status: 'in_progress' }));
    buttonNamed(item('guard'), 'Pass').click();
    await until(async () => (await stored()).results?.guard?.value === 'pass', 'the pass result');
    await until(() => item('guard').querySelector('button[aria-pressed="true"]')?.textContent?.trim() === 'Pass', 'Pass pressed');
    expect(item('guard').querySelector('[data-result]')!.textContent).toContain('tess');

    const input = item('oil').querySelector<HTMLElement & { value: string }>('sl-input')!;
    await typeInto(input, '85');
    expect(input.classList.contains('warn')).toBe(true);
    buttonNamed(item('oil'), 'Save value').click();
    // Changing one's mind writes nothing.
    expect(await answerConfirm('cancel')).toContain('outside the limits');
    expect((await stored()).results?.oil).toBeUndefined();
    expect((await storage.allDocs({ query: 'type:reading' })).rows).toHaveLength(0);
    buttonNamed(item('oil'), 'Save value').click();
    await answerConfirm('confirm');
    await until(async () => (await stored()).results?.oil !== undefined, 'the value result');
    const result = (await stored()).results!.oil!;
    expect(result.value).toBe(85);
    expect(result.reading).toMatch(/^reading\//);
    const reading = await storage.get(result.reading!);
    expect(reading).toMatchObject({ type: 'reading', site: 'site/north', asset: 'asset/north/t01', values: { oil_temp: 85 }, units: { oil_temp: '°C' }, by: 'tess', work_order: ID, item: 'oil' });
    await until(() => item('oil').hasAttribute('data-out-of-limits'), 'out of limits marked');

    // A note typed for an item goes with its answer.
    await typeInto(item('guard').querySelector('sl-input.note')!, 'Left guard bolt replaced');
    buttonNamed(item('guard'), 'Fail').click();
    await until(async () => (await stored()).results?.guard?.value === 'fail', 'the fail result');
    expect((await stored()).results!.guard!.note).toBe('Left guard bolt replaced');
    await until(() => item('guard').querySelector('[data-result]')!.textContent!.includes('Left guard bolt replaced'), 'the note shown');
    expect(item('guard').querySelector<HTMLElement & { value: string }>('sl-input.note')!.value).toBe('');

    await typeInto(item('remarks').querySelector<HTMLElement & { value: string }>('sl-textarea')!, 'Slight oil mist on the housing');
    expect(unsavedChanges().join(' ')).toContain('checklist answers');
    buttonNamed(item('remarks'), 'Save text').click();
    await until(async () => (await stored()).results?.remarks?.value === 'Slight oil mist on the housing', 'the text result');
    const history = (await stored()).history!;
    expect(history.filter((entry) => entry.action === 'checklist')).toHaveLength(4);
    expect(new Set(history.map((entry) => entry.id)).size).toBe(history.length);
  });

  it('adds photos resized in the worker as image/jpeg attachments with their metadata; a file that is not a picture writes nothing', async () => {
    await mount(order({ status: 'in_progress' }));
    const before = await stored();
    await choosePhotos([new File(['not a picture'], 'notes.txt', { type: 'text/plain' })]);
    await until(() => root().querySelector('[data-photo-errors]') !== null, 'the photo error');
    expect(root().querySelector('[data-photo-errors]')!.textContent).toContain('"notes.txt" is not a picture this device can read.');
    expect(await storage.allAttachments(ID)).toEqual({});
    expect((await stored()).history).toEqual(before.history);

    await choosePhotos([await photoFile('a.jpg', 2400, 1800, 6), await photoFile('b.jpg', 800, 600)]);
    await until(() => root().querySelectorAll('[data-photo] img').length === 2, 'two thumbnails', 30_000);
    expect(root().querySelector('[data-photo-errors]')).toBeNull();
    const doc = await stored();
    const names = Object.keys(doc.photos ?? {});
    expect(names).toHaveLength(2);
    const attachments = await storage.allAttachments(ID);
    for (const name of names) {
      expect(name).toMatch(/^photo\/[0-9a-f-]{36}\.jpg$/);
      expect(attachments[name]).toMatchObject({ content_type: 'image/jpeg' });
      expect(attachments[name]!.length).toBe(doc.photos![name]!.bytes);
      expect(attachments[name]!.length).toBeLessThanOrEqual(400 * 1024);
    }
    const rotated = Object.values(doc.photos!).find((meta) => meta.width === 1200)!;
    expect(rotated).toMatchObject({ width: 1200, height: 1600, by: 'tess' });
    expect(doc.history!.filter((entry) => entry.action === 'photo')).toHaveLength(2);
    // (The first two photos were taken for the work order as a whole.)
    expect(Object.values(doc.photos!).every((meta) => meta.item === undefined)).toBe(true);
    // A photo for one checklist item: its metadata names the item; the item counts it, the gallery names it.
    item('guard').querySelector<HTMLElement>('sl-button[data-item-photo]')!.click();
    await choosePhotos([await photoFile('c.jpg', 640, 480)]);
    await until(() => root().querySelectorAll('[data-photo] img').length === 3, 'the third thumbnail', 30_000);
    expect(Object.values((await stored()).photos!).filter((meta) => meta.item === 'guard')).toHaveLength(1);
    await until(() => item('guard').querySelector('[data-item-photos]')?.textContent === '1 photo', 'the item counting its photo');
    expect(root().querySelector('[data-photo-item]')!.textContent).toBe('Guards in place');
    // The next photos, from the general button, belong to the work order as a whole.
    root().querySelector<HTMLElement>('sl-button[data-add-photos]')!.click();
    await choosePhotos([await photoFile('d.jpg', 320, 240)]);
    await until(() => root().querySelectorAll('[data-photo] img').length === 4, 'the fourth thumbnail', 30_000);
    expect(Object.values((await stored()).photos!).filter((meta) => meta.item === undefined)).toHaveLength(3);
    // Tap to view large.
    root().querySelector<HTMLElement>('[data-photo] button')!.click();
    await until(() => root().querySelector('sl-dialog[data-photo-view] img.large') !== null, 'the large photo');
    // The object URLs go with the page.
    const url = root().querySelector<HTMLImageElement>('[data-photo] img')!.src;
    expect((await fetch(url)).ok).toBe(true);
    host.view = html``;
    await host.updateComplete;
    await until(async () => (await fetch(url).then(() => 'ok', () => 'revoked')) === 'revoked', 'the object URL revoked');
  });

  it('reads the work order again when a sync brought a change (fl-data-changed), keeping a draft that is being typed', async () => {
    await mount(order({ status: 'in_progress' }));
    const form = root().querySelector('form[aria-label="Details"]')!;
    await typeInto(form.querySelector('sl-textarea[name="notes"]')!, 'Typed here');
    // Another device's change arrives through the sync.
    await storage.put(ID, { ...(await stored()), priority: 'urgent', status: 'on_hold' } as unknown as Doc);
    window.dispatchEvent(new Event('fl-data-changed'));
    await until(() => root().querySelector('[data-status]')!.getAttribute('data-status') === 'on_hold', 'the synced status');
    expect(root().querySelector('[data-priority]')!.getAttribute('data-priority')).toBe('urgent');
    expect(form.querySelector<HTMLElement & { value: string }>('sl-textarea[name="notes"]')!.value).toBe('Typed here');
    form.querySelector<HTMLElement>('sl-button[type="submit"]')!.click();
    await until(async () => (await stored()).notes === 'Typed here', 'the notes saved');
    // Only the typed field was written: the synced priority stays.
    expect((await stored()).priority).toBe('urgent');
    expect(Object.keys((await stored()).history!.at(-1)!.changes!)).toEqual(['notes']);
  });

  it('saves the Details form: only changed fields in one history entry; unsaved changes guarded until saved', async () => {
    await mount(order({ status: 'in_progress' }));
    const form = root().querySelector('form[aria-label="Details"]')!;
    await typeInto(form.querySelector('sl-input[name="actual"]')!, '2.5');
    buttonNamed(form, 'Add part').click();
    await gadget.updateComplete;
    const part = form.querySelector('[data-part]')!;
    await typeInto(part.querySelector('sl-input')!, 'Oil filter');
    await typeInto(form.querySelector('sl-textarea[name="notes"]')!, 'Changed the filter.');
    expect(unsavedChanges().join(' ')).toContain('the details of work order "Quarterly inspection T01"');
    form.querySelector<HTMLElement>('sl-button[type="submit"]')!.click();
    await until(async () => (await stored()).actual_hours === 2.5, 'the details saved');
    const doc = await stored();
    expect(doc.parts).toEqual([expect.objectContaining({ name: 'Oil filter', quantity: 1 })]);
    expect(doc.notes).toBe('Changed the filter.');
    const entry = doc.history!.at(-1)!;
    expect(entry.action).toBe('edited');
    expect(Object.keys(entry.changes!).sort()).toEqual(['actual_hours', 'notes', 'parts']);
    await until(() => unsavedChanges().length === 0, 'nothing unsaved after the save');
  });

  it('every control one taps is at least 44 px high (a tablet in a gloved hand)', async () => {
    await mount(order({ status: 'in_progress', parts: [{ id: 'p1', name: 'Oil filter', quantity: 1 }] }));
    const targets = [...root().querySelectorAll<HTMLElement>('sl-button, button, sl-icon-button, .facts a, sl-input, sl-select')].filter((element) => element.getClientRects().length > 0);
    expect(targets.length).toBeGreaterThan(15);
    const small = targets.filter((element) => element.getBoundingClientRect().height < 44 - 0.5).map((element) => `${element.tagName.toLowerCase()} "${element.textContent?.trim() || element.getAttribute('label') || ''}" ${element.getBoundingClientRect().height}px`);
    expect(small).toEqual([]);
  });

  it("offers the site's people as assignees (the server's GET /api/people) and writes the choice", async () => {
    const admin = await login('admin', TEST_SERVER_ADMIN_PASSWORD);
    const site = `site/people-${crypto.randomUUID().slice(0, 8)}`;
    const technician = `tom-${crypto.randomUUID().slice(0, 8)}`;
    await serverExpect(200, admin, 'PUT', `/api/docs/${encodeURIComponent(site)}`, { type: 'site', title: 'People test site' });
    await serverExpect(201, admin, 'POST', '/api/users', { username: technician, password: 'a long enough password', role: 'technician', sites: [site] });
    await mount(order({ site, status: 'in_progress' }), 'engineer', 'erin', peopleApiAt({ base: TEST_SERVER_URL, token: admin }));
    const form = root().querySelector('form[aria-label="Details"]')!;
    await until(() => form.querySelector('sl-select[name="assignee"]') !== null, 'the assignee list');
    const select = form.querySelector<HTMLElement & { value: string }>('sl-select[name="assignee"]')!;
    const names = [...select.querySelectorAll('sl-option')].map((option) => option.getAttribute('value'));
    // The site's technician and the current assignee (not a person of this site) are offered.
    expect(names).toEqual(expect.arrayContaining([technician, 'tess', 'admin']));
    expect(select.value).toBe('tess');
    select.value = technician;
    select.dispatchEvent(new Event('sl-change', { bubbles: true, composed: true }));
    await gadget.updateComplete;
    form.querySelector<HTMLElement>('sl-button[type="submit"]')!.click();
    await until(async () => (await stored()).assignee === technician, 'the new assignee stored');
    expect((await stored()).history!.at(-1)!.changes).toEqual({ assignee: { from: 'tess', to: technician } });
  });

  it('a comment goes into the history', async () => {
    await mount(order({ status: 'in_progress' }));
    const section = root().querySelector('section[aria-labelledby="comments-heading"]')!;
    await typeInto(section.querySelector('sl-textarea')!, 'Waiting for the crane');
    buttonNamed(section, 'Add comment').click();
    await until(async () => (await stored()).history!.at(-1)?.action === 'comment', 'the comment');
    expect((await stored()).history!.at(-1)!.comment).toBe('Waiting for the crane');
    await until(() => root().querySelector('ol.history li')!.textContent!.includes('Waiting for the crane'), 'the comment in the history');
  });
});
