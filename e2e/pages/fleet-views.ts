import { expect, type Locator, type Page } from '@playwright/test';

/** Page object for the sign-in the shell shows when nobody is signed in. */
export class ShellSignIn {
  readonly page: Page;
  readonly form: Locator;
  readonly user: Locator;

  constructor(page: Page) {
    this.page = page;
    this.form = page.locator('fl-app main').getByRole('form', { name: 'Sign in' }).first();
    this.user = page.locator('fl-app [data-user]');
  }

  async signIn(username: string, password: string): Promise<void> {
    await this.form.getByLabel('User name').fill(username);
    await this.form.getByLabel('Password').fill(password);
    await this.form.getByRole('button', { name: 'Sign in' }).click();
    // Password hashing on a busy machine can take seconds.
    await expect(this.user).toContainText(username, { timeout: 20_000 });
  }

  async signOut(): Promise<void> {
    await this.page.locator('fl-app').getByRole('button', { name: 'Sign out' }).click();
    await expect(this.user).toHaveCount(0);
  }
}

/** Page object for the sites list (<fl-sites>). */
export class SitesPage {
  readonly page: Page;
  readonly sites: Locator;

  constructor(page: Page) {
    this.page = page;
    this.sites = page.locator('fl-sites a.site');
  }

  async open(base = ''): Promise<void> {
    await this.page.goto(`${base}/#/sites`);
  }

  site(title: string): Locator {
    return this.page.locator('fl-sites a.site', { hasText: title });
  }

  async choose(title: string): Promise<void> {
    await this.site(title).click();
    await expect(this.page.locator('fl-app main h2[data-view-heading]')).toHaveText(title);
  }
}

/** Page object for a site's view (<fl-site>): asset tiles with live values. */
export class SitePage {
  readonly page: Page;
  readonly tiles: Locator;

  constructor(page: Page) {
    this.page = page;
    this.tiles = page.locator('fl-site article');
  }

  tile(title: string): Locator {
    return this.page.locator('fl-site article', { has: this.page.getByRole('heading', { name: title }) });
  }

  /** The value a tile shows for a channel title (e.g. "Power output" → "2,359 kW"). */
  value(tile: string, channel: string): Locator {
    return this.tile(tile).locator('dt', { hasText: channel }).locator('xpath=following-sibling::dd[1]');
  }

  async openAsset(title: string): Promise<void> {
    await this.page.locator('fl-site').getByRole('link', { name: title, exact: true }).first().click();
    await expect(this.page.locator('fl-app main h2[data-view-heading]')).toHaveText(title);
  }
}

/** Page object for an asset's view (<fl-asset>). */
export class AssetPage {
  readonly page: Page;
  readonly channels: Locator;
  readonly chart: Locator;

  constructor(page: Page) {
    this.page = page;
    // Rows of the channel table (the chart's legend is a table too).
    this.channels = page.locator('fl-asset tr[data-channel]');
    this.chart = page.locator('fl-asset fl-channel-chart');
  }

  row(channel: string): Locator {
    return this.page.locator('fl-asset tr[data-channel]', { hasText: channel });
  }

  lastValue(channel: string): Locator {
    return this.row(channel).locator('td.numeric');
  }

  async openChannel(title: string): Promise<void> {
    await this.row(title).getByRole('link', { name: title }).click();
    await expect(this.page.locator('fl-app main h2[data-view-heading]')).toHaveText(title);
  }
}

/** Page object for a channel's view (<fl-channel>). */
export class ChannelPage {
  readonly page: Page;
  readonly chart: Locator;

  constructor(page: Page) {
    this.page = page;
    this.chart = page.locator('fl-channel fl-channel-chart');
  }

  /** Resolves once the chart has drawn points. */
  async drawn(): Promise<void> {
    await expect(this.chart).toHaveAttribute('data-points', /^[1-9]\d*$/);
  }
}
