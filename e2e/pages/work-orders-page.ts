import { expect, type Locator, type Page } from '@playwright/test';

/**
 * Page object for the Work orders list (<fl-work-orders>, `#/work-orders?q=…`): the search field,
 * the filter selects, the count, the compact rows (links named by their text, `a.order` with
 * `data-id` and `data-status`) and the "New work order" dialog. A work order's own page is
 * WorkOrderPage (work-order-page.ts). Playwright's role and CSS locators pierce open shadow roots.
 */
export class WorkOrdersPage {
  readonly page: Page;
  readonly gadget: Locator;
  readonly search: Locator;
  readonly count: Locator;
  readonly rows: Locator;
  readonly newButton: Locator;
  readonly newForm: Locator;
  readonly error: Locator;

  constructor(page: Page) {
    this.page = page;
    this.gadget = page.locator('fl-work-orders');
    this.search = this.gadget.getByRole('searchbox', { name: 'Search' });
    this.count = this.gadget.locator('.count');
    this.rows = this.gadget.locator('a.order');
    this.newButton = this.gadget.getByRole('button', { name: 'New work order' });
    this.newForm = this.gadget.getByRole('form', { name: 'New work order' });
    this.error = this.gadget.locator('[role="alert"]');
  }

  /** Opens the list (with a search when given); `base` when the test has no baseURL. */
  async goto(base = '', query = ''): Promise<void> {
    await this.page.goto(`${base}/#/work-orders${query ? `?q=${encodeURIComponent(query)}` : ''}`);
    await expect(this.count).toBeVisible({ timeout: 30_000 });
  }

  /** Types a search (replacing what is there) and waits until the count says `shown`. */
  async searchFor(text: string, shown?: number): Promise<void> {
    await this.search.fill(text);
    if (shown !== undefined) await expect(this.count).toHaveAttribute('data-shown', String(shown));
  }

  /** The row of a work order by its title (among the rows drawn: the list is virtualized). */
  row(title: string): Locator {
    return this.rows.filter({ has: this.page.locator('.title', { hasText: title }) });
  }

  /** Opens a work order's page from its row. */
  async open(title: string): Promise<void> {
    await this.row(title).first().click();
    await expect(this.page).toHaveURL(/#\/work-orders\/work_order%2F/);
  }

  /**
   * Creates a work order in the New work order dialog (the only site is chosen already; the site
   * and asset are picked from lists by title) and waits for its page.
   */
  async create(title: string, choice: { site?: string; asset?: string; priority?: 'Low' | 'Medium' | 'High' | 'Urgent'; due?: string; assignee?: string } = {}): Promise<void> {
    await this.newButton.click();
    await expect(this.newForm).toBeVisible();
    if (choice.site) await this.choose('Site', choice.site);
    if (choice.asset) await this.choose('Asset', choice.asset);
    // exact: "Title" would also match a loose label elsewhere.
    await this.newForm.getByRole('textbox', { name: /^Title/ }).fill(title);
    if (choice.priority) await this.choose('Priority', choice.priority);
    if (choice.due) await this.newForm.getByLabel('Due', { exact: true }).fill(choice.due);
    if (choice.assignee) await this.newForm.getByRole('textbox', { name: /^Assignee/ }).fill(choice.assignee);
    await this.newForm.getByRole('button', { name: 'Create', exact: true }).click();
    await expect(this.page).toHaveURL(/#\/work-orders\/work_order%2F/, { timeout: 15_000 });
  }

  /** Picks an option of one of the New work order form's lists (an sl-select) by its text. */
  async choose(list: 'Site' | 'Asset' | 'Priority' | 'Kind', option: string): Promise<void> {
    const select = this.newForm.locator(`sl-select[label="${list}"]`);
    await select.getByRole('combobox').click();
    await select.getByRole('option', { name: option, exact: true }).click();
    await expect(select.getByRole('combobox')).toHaveValue(option);
  }

  /** The titles of the rows drawn, in the order shown. */
  async titles(): Promise<string[]> {
    return this.rows.locator('.title').allTextContents();
  }
}
