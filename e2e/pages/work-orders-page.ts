import { expect, type Locator, type Page } from '@playwright/test';

/** A work order's status: the stored value or the label the Status choice shows. */
export type WorkOrderStatusChoice = 'open' | 'in_progress' | 'done' | 'Open' | 'In progress' | 'Done';

/**
 * Page object for the Work orders view (<fl-work-orders>): one card per work order (an article
 * named "Work order: <title>") with Status, Notes, Save and Delete, and a "New work order" form.
 */
export class WorkOrdersPage {
  readonly page: Page;
  readonly gadget: Locator;
  readonly newForm: Locator;
  readonly cards: Locator;
  readonly error: Locator;

  constructor(page: Page) {
    this.page = page;
    // Playwright's role and CSS locators pierce open shadow roots.
    this.gadget = page.locator('fl-work-orders');
    this.newForm = this.gadget.getByRole('form', { name: 'New work order' });
    this.cards = this.gadget.getByRole('article');
    this.error = this.gadget.getByRole('alert');
  }

  /** Opens the view; `base` when the test has no baseURL (the server's URL). */
  async goto(base = ''): Promise<void> {
    await this.page.goto(`${base}/#/work-orders`);
    await expect(this.newForm).toBeVisible();
  }

  /** Creates a work order and waits for its card. */
  async create(title: string, site: string): Promise<void> {
    // exact: a card named "Work order: Site survey" would match a loose "Site".
    await this.newForm.getByLabel('Title', { exact: true }).fill(title);
    await this.newForm.getByLabel('Site', { exact: true }).fill(site);
    await this.newForm.getByRole('button', { name: 'Create', exact: true }).click();
    // With a few thousand work orders on the device the list takes a moment to render again.
    await expect(this.card(title)).toBeVisible({ timeout: 15_000 });
  }

  /**
   * Creates a work order with the site and asset chosen from the form's lists (shown once the
   * device holds sites; the only site is chosen already) and waits for its card.
   */
  async createFromLists(title: string, choice: { site?: string; asset?: string }): Promise<void> {
    await this.newForm.getByLabel('Title', { exact: true }).fill(title);
    if (choice.site) await this.choose('Site', choice.site);
    if (choice.asset) await this.choose('Asset', choice.asset);
    await this.newForm.getByRole('button', { name: 'Create', exact: true }).click();
    await expect(this.card(title)).toBeVisible({ timeout: 15_000 });
  }

  /** Picks an option of one of the New work order form's lists (an sl-select) by its text. */
  async choose(list: 'Site' | 'Asset', option: string): Promise<void> {
    const select = this.newForm.locator('sl-select', { has: this.page.getByText(list, { exact: true }) });
    await select.getByRole('combobox').click();
    await select.getByRole('option', { name: option, exact: true }).click();
    await expect(select.getByRole('combobox')).toHaveValue(option);
  }

  card(title: string): Locator {
    return this.gadget.getByRole('article', { name: `Work order: ${title}`, exact: true });
  }

  /** Chooses a status in the card's form (not saved until `save`). */
  async setStatus(title: string, status: WorkOrderStatusChoice): Promise<void> {
    await this.card(title).getByLabel('Status', { exact: true }).selectOption(status);
  }

  /** Types the card's notes (not saved until `save`). */
  async setNotes(title: string, notes: string): Promise<void> {
    await this.card(title).getByLabel('Notes', { exact: true }).fill(notes);
  }

  /** Saves the card's form and waits until the write is done and the card shows the chosen status. */
  async save(title: string): Promise<void> {
    const card = this.card(title);
    const status = await card.getByLabel('Status', { exact: true }).inputValue();
    const button = card.getByRole('button', { name: 'Save', exact: true });
    await button.click();
    // Save is disabled while the write runs, so enabled again means written (or failed: see `error`).
    await expect(button).toBeEnabled();
    await expect(card).toHaveAttribute('data-status', status);
  }

  /** Deletes the work order (Delete, then "Really delete?") and waits for its card to go. */
  async remove(title: string): Promise<void> {
    const card = this.card(title);
    await card.getByRole('button', { name: 'Delete', exact: true }).click();
    await card.getByRole('button', { name: 'Really delete?', exact: true }).click();
    await expect(card).toHaveCount(0);
  }

  /** The titles of the cards, in the order shown (by title). */
  async titles(): Promise<string[]> {
    return this.cards.locator('h3').allTextContents();
  }
}
