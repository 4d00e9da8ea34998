import { expect, type Locator, type Page } from '@playwright/test';

/** A lifecycle button of the work order page, by its label. */
export type WorkOrderAction = 'Start' | 'Put on hold' | 'Resume' | 'Mark done' | 'Verify' | 'Reopen' | 'Assign' | 'Unassign';

/** A file for the photo input: what Playwright's setInputFiles takes. */
export interface PhotoFile {
  name: string;
  mimeType: string;
  buffer: Buffer;
}

/** The fields of the work order's edit form (Details); only those given are changed. */
export interface WorkOrderDetails {
  priority?: 'Low' | 'Medium' | 'High' | 'Urgent';
  due?: string;
  assignee?: string;
  estimatedHours?: number;
  actualHours?: number;
  notes?: string;
  /** Parts rows to add (name, quantity). */
  addParts?: Array<{ name: string; quantity: number }>;
}

/**
 * Page object for one work order (`#/work-orders/<id>`, <fl-work-order>): its facts and status,
 * the lifecycle buttons, the checklist (pass/fail, values, text), photos, the Details form,
 * comments and the history. Playwright's CSS and role locators pierce the open shadow roots.
 */
export class WorkOrderPage {
  readonly page: Page;
  readonly gadget: Locator;
  readonly heading: Locator;
  readonly status: Locator;
  readonly actions: Locator;
  readonly checklist: Locator;
  readonly photos: Locator;
  readonly thumbnails: Locator;
  readonly details: Locator;
  readonly photoErrors: Locator;
  readonly history: Locator;
  readonly error: Locator;

  constructor(page: Page) {
    this.page = page;
    this.gadget = page.locator('fl-work-order');
    // The shell's own heading (the page's dialogs have h2 titles of their own inside main).
    this.heading = page.locator('fl-app main > h2');
    this.status = this.gadget.locator('[data-status]').first();
    this.actions = this.gadget.getByRole('region', { name: 'Actions' });
    this.checklist = this.gadget.getByRole('region', { name: 'Checklist' });
    this.photos = this.gadget.getByRole('region', { name: 'Photos' });
    this.thumbnails = this.photos.locator('[data-photo] img');
    this.photoErrors = this.photos.locator('[data-photo-errors]');
    this.details = this.gadget.getByRole('form', { name: 'Details' });
    this.history = this.gadget.getByRole('list', { name: 'History of the work order' }).getByRole('listitem');
    this.error = this.gadget.locator('[role="alert"]');
  }

  /** Opens a work order by id (`base` when the test has no baseURL) and waits for its title. */
  async open(id: string, title: string, base = ''): Promise<void> {
    await this.page.goto(`${base}/#/work-orders/${encodeURIComponent(id)}`);
    await this.waitFor(title);
  }

  /** Goes to a work order inside the running app (the address's hash: no reload, works offline) and waits for its title. */
  async go(id: string, title: string): Promise<void> {
    await this.page.evaluate((hash) => (location.hash = hash), `#/work-orders/${encodeURIComponent(id)}`);
    await this.waitFor(title);
  }

  /** Waits until the page shows the work order titled `title`. */
  async waitFor(title: string): Promise<void> {
    await expect(this.heading).toHaveText(title, { timeout: 30_000 });
    await expect(this.status).toBeVisible();
  }

  /** The status as stored (`data-status`: open, assigned, in_progress, on_hold, done, verified). */
  async statusValue(): Promise<string | null> {
    return this.status.getAttribute('data-status');
  }

  /** The lifecycle button labelled `action`. */
  action(action: WorkOrderAction): Locator {
    return this.actions.getByRole('button', { name: action, exact: true });
  }

  /** Presses a lifecycle button (not Reopen: see `reopen`) and waits for the new status. */
  async transition(action: Exclude<WorkOrderAction, 'Reopen'>, expected: string): Promise<void> {
    await this.action(action).click();
    await expect(this.status).toHaveAttribute('data-status', expected);
  }

  /** Reopens the work order with a comment (the dialog asks for one) and waits for "in progress". */
  async reopen(comment: string): Promise<void> {
    await this.action('Reopen').click();
    const dialog = this.gadget.locator('sl-dialog[data-reopen]');
    await expect(dialog).toHaveAttribute('open', '');
    await dialog.getByRole('textbox', { name: /^Why reopen/ }).fill(comment);
    await dialog.getByRole('button', { name: 'Reopen', exact: true }).click();
    await expect(this.status).toHaveAttribute('data-status', 'in_progress');
  }

  /** A checklist item by its label. */
  item(label: string): Locator {
    return this.checklist.getByRole('group', { name: label, exact: true });
  }

  /** Records pass or fail for a checklist item and waits for the result to show. */
  async passFail(label: string, value: 'Pass' | 'Fail'): Promise<void> {
    const item = this.item(label);
    await item.getByRole('button', { name: value, exact: true }).click();
    await expect(item.getByRole('button', { name: value, exact: true })).toHaveAttribute('aria-pressed', 'true');
    await expect(item.locator('[data-result]')).toBeVisible();
  }

  /**
   * Enters a value for a checklist value item and saves it; `confirmOutOfLimits` answers the
   * "outside the limits" question when it comes. Waits for the saved result.
   */
  async enterValue(label: string, value: number, options: { confirmOutOfLimits?: boolean } = {}): Promise<void> {
    const item = this.item(label);
    await item.getByRole('spinbutton').fill(String(value));
    await item.getByRole('button', { name: 'Save value', exact: true }).click();
    if (options.confirmOutOfLimits) {
      const dialog = this.page.locator('sl-dialog[data-confirm]');
      await dialog.getByRole('button', { name: 'Save it', exact: true }).click();
    }
    await expect(item.locator('[data-result]')).toHaveAttribute('data-value', String(value));
  }

  /** Types a note for a checklist item; it is saved with the item's next answer. */
  async noteFor(label: string, note: string): Promise<void> {
    await this.item(label).getByRole('textbox', { name: /^Note/ }).fill(note);
  }

  /** Writes the text of a checklist text item and saves it. */
  async enterText(label: string, text: string): Promise<void> {
    const item = this.item(label);
    await item.getByRole('textbox', { name: /^Answer/ }).fill(text);
    await item.getByRole('button', { name: 'Save text', exact: true }).click();
    await expect(item.locator('[data-result]')).toHaveAttribute('data-value', text);
  }

  /** Adds photos through the page's file input and waits until `expected` thumbnails show. */
  async addPhotos(files: PhotoFile[], expected: number): Promise<void> {
    await this.photos.locator('input[type="file"]').setInputFiles(files);
    await expect(this.thumbnails).toHaveCount(expected, { timeout: 60_000 });
    await expect(this.photos.locator('sl-progress-bar')).toHaveCount(0);
  }

  /** Changes fields of the Details form and saves it (toasts "Work order saved"). */
  async editDetails(details: WorkOrderDetails): Promise<void> {
    const form = this.details;
    if (details.priority) {
      const select = form.locator('sl-select[name="priority"]');
      await select.getByRole('combobox').click();
      await select.getByRole('option', { name: details.priority, exact: true }).click();
    }
    if (details.due !== undefined) await form.locator('sl-input[name="due"] input').fill(details.due);
    if (details.assignee !== undefined) {
      // Online the site's people are a list; offline the name is typed.
      const list = form.locator('sl-select[name="assignee"]');
      if ((await list.count()) > 0) {
        await list.getByRole('combobox').click();
        await list.getByRole('option', { name: new RegExp(`^${details.assignee.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\b`) }).click();
      } else {
        await form.getByRole('textbox', { name: /^Assignee/ }).fill(details.assignee);
      }
    }
    if (details.estimatedHours !== undefined) await form.getByRole('spinbutton', { name: /^Estimated hours/ }).fill(String(details.estimatedHours));
    if (details.actualHours !== undefined) await form.getByRole('spinbutton', { name: /^Actual hours/ }).fill(String(details.actualHours));
    for (const part of details.addParts ?? []) {
      await form.getByRole('button', { name: 'Add part', exact: true }).click();
      const row = form.locator('[data-part]').last();
      await row.getByRole('textbox', { name: 'Part', exact: true }).fill(part.name);
      await row.getByRole('spinbutton', { name: /^Quantity/ }).fill(String(part.quantity));
    }
    if (details.notes !== undefined) await form.getByRole('textbox', { name: /^Notes/ }).fill(details.notes);
    const save = form.locator('sl-button[type="submit"]');
    await save.click();
    // Save is enabled only while the form differs from the stored work order: disabled again = written.
    await expect(save).toHaveAttribute('disabled', '');
  }

  /** Adds a comment and waits for it in the history. */
  async addComment(text: string): Promise<void> {
    const section = this.gadget.getByRole('region', { name: 'Comments' });
    await section.getByRole('textbox', { name: /^Comment/ }).fill(text);
    await section.getByRole('button', { name: 'Add comment', exact: true }).click();
    await expect(this.history.filter({ hasText: text }).first()).toBeVisible();
  }
}
