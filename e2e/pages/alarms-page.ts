import { expect, type Locator, type Page } from '@playwright/test';

/**
 * Page object for the alarm views: the header's badge (<fl-alarm-badge>), the list (<fl-alarms>:
 * one row link per alarm, filters) and one alarm (<fl-alarm>: facts, actions, history).
 * Playwright's CSS and role locators pierce the gadgets' open shadow roots.
 */
export class AlarmsPage {
  readonly page: Page;
  readonly badge: Locator;
  readonly list: Locator;
  readonly rows: Locator;
  readonly detail: Locator;
  readonly history: Locator;
  /** The open alarm's "Work orders" section (links to the work orders created from it). */
  readonly workOrders: Locator;

  constructor(page: Page) {
    this.page = page;
    this.badge = page.locator('fl-app fl-alarm-badge');
    this.list = page.locator('fl-alarms');
    this.rows = this.list.locator('a.alarm');
    this.detail = page.locator('fl-alarm');
    this.history = this.detail.getByRole('list', { name: 'History of the alarm' });
    this.workOrders = this.detail.getByRole('region', { name: 'Work orders' });
  }

  /** The list's row of the alarm whose message is `message`. */
  row(message: string): Locator {
    return this.rows.filter({ hasText: message });
  }

  /** Opens an alarm from the list; the heading becomes its message. */
  async open(message: string): Promise<void> {
    await this.row(message).click();
    await expect(this.page.locator('fl-app main h2[data-view-heading]')).toHaveText(message);
  }

  /** A fact of the open alarm ("State", "Acknowledged", …) as shown. */
  fact(label: string): Locator {
    return this.detail.locator('.facts div', { has: this.page.locator('dt', { hasText: new RegExp(`^${label}$`) }) }).locator('dd');
  }

  /** Clicks one of the open alarm's action buttons by its visible name. */
  async act(name: 'Acknowledge' | 'Create work order' | 'Out of service' | 'Return to service' | 'Shelve' | 'Unshelve'): Promise<void> {
    await this.detail.getByRole('button', { name, exact: true }).click();
  }

  /** Adds a comment to the open alarm and waits for it in the history. */
  async comment(text: string): Promise<void> {
    await this.detail.getByRole('textbox', { name: 'Comment' }).fill(text);
    await this.detail.getByRole('button', { name: 'Add comment', exact: true }).click();
    await expect(this.history.getByText(text, { exact: true })).toBeVisible();
  }
}
