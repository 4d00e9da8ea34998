import { expect, type Locator, type Page } from '@playwright/test';

/** A route of the shell's main views, as the navigation names it. */
export type NavSection = 'Sites' | 'My work' | 'Alarms' | 'Alarm rules' | 'Channels' | 'Explore' | 'Models' | 'Work orders' | 'To review' | 'Plans' | 'Import' | 'Sources' | 'Sync' | 'Admin';

/**
 * Page object for the app as a user walks it: the shell's sign-in, heading, navigation and theme
 * switch, and the monitoring views reached by clicking (sites → site → asset → channel).
 * Playwright's CSS and role locators pierce the gadgets' open shadow roots.
 */
export class MainViews {
  readonly page: Page;
  readonly heading: Locator;
  readonly navigation: Locator;
  readonly user: Locator;
  readonly siteLinks: Locator;
  readonly assetTiles: Locator;
  readonly assetChart: Locator;
  readonly channelChart: Locator;

  constructor(page: Page) {
    this.page = page;
    this.heading = page.locator('fl-app main h2[data-view-heading]');
    this.navigation = page.getByRole('navigation', { name: 'Main' });
    this.user = page.locator('fl-app [data-user]');
    this.siteLinks = page.locator('fl-sites a.site');
    this.assetTiles = page.locator('fl-site article');
    this.assetChart = page.locator('fl-asset fl-channel-chart');
    this.channelChart = page.locator('fl-channel fl-channel-chart');
  }

  async open(base: string, hash = '#/sites'): Promise<void> {
    await this.page.goto(`${base}/${hash}`);
    await expect(this.navigation).toBeVisible();
  }

  /** Signs in with the form the shell shows while nobody is signed in. */
  async signIn(username: string, password: string): Promise<void> {
    const form = this.page.locator('fl-app main').getByRole('form', { name: 'Sign in' }).first();
    // By role: the password field's label also names its "Show password" toggle; required fields add " *".
    await form.getByRole('textbox', { name: /^User name/ }).fill(username);
    await form.getByRole('textbox', { name: /^Password/ }).fill(password);
    await form.getByRole('button', { name: 'Sign in' }).click();
    await expect(this.user).toContainText(username);
  }

  /** Clicks a navigation entry and waits for its heading (Admin opens the Users screen, To review the filtered work orders). */
  async goTo(section: NavSection): Promise<void> {
    // To review's name ends with its count ("To review 2 waiting").
    await this.navigation.getByRole('link', section === 'To review' ? { name: /^To review\b/ } : { name: section, exact: true }).click();
    await expect(this.heading).toHaveText(section === 'Admin' ? 'Users' : section === 'To review' ? 'Work orders' : section);
  }

  /** Clicks a tab of the admin screens ("Users", "Sites and sources", "Assets"). */
  async adminTab(label: string): Promise<void> {
    await this.page.getByRole('navigation', { name: 'Admin' }).getByRole('link', { name: label, exact: true }).click();
    await expect(this.heading).toHaveText(label);
  }

  site(title: string): Locator {
    return this.page.locator('fl-sites a.site', { hasText: title });
  }

  /** Opens a site from the sites list; its heading is the site's title. */
  async openSite(title: string): Promise<void> {
    await this.site(title).click();
    await expect(this.heading).toHaveText(title);
  }

  assetTile(title: string): Locator {
    return this.page.locator('fl-site article', { has: this.page.getByRole('heading', { name: title, exact: true }) });
  }

  /** Opens an asset from its site's tiles (or the parts listed under them). */
  async openAsset(title: string): Promise<void> {
    await this.page.locator('fl-site').getByRole('link', { name: title, exact: true }).first().click();
    await expect(this.heading).toHaveText(title);
  }

  /** The last value an asset's channel table shows for a channel title. */
  channelValue(title: string): Locator {
    return this.page.locator('fl-asset tbody tr', { has: this.page.getByRole('link', { name: title, exact: true }) }).locator('td.numeric');
  }

  /** Opens a channel from the asset's channel table. */
  async openChannel(title: string): Promise<void> {
    await this.page.locator('fl-asset tbody').getByRole('link', { name: title, exact: true }).click();
    await expect(this.heading).toHaveText(title);
  }

  /** Points a chart has drawn (its data-points attribute; 0 before the first draw). */
  async points(chart: Locator): Promise<number> {
    return Number((await chart.getAttribute('data-points')) ?? 0);
  }

  /** Samples a chart holds, as its header says ("4,371 samples · M4 per pixel"); 0 before it loads. */
  async samples(chart: Locator): Promise<number> {
    const header = (await chart.locator('header').textContent()) ?? '';
    const match = /([\d,]+) samples/.exec(header);
    return match?.[1] ? Number(match[1].replace(/,/g, '')) : 0;
  }

  /** Switches the header's theme (system → light → dark → system) until it shows `choice`. */
  async chooseTheme(choice: 'light' | 'dark'): Promise<void> {
    const button = this.page.locator('fl-app sl-icon-button[data-theme]');
    for (let step = 0; step < 3 && (await button.getAttribute('data-theme')) !== choice; step++) await button.click();
    await expect(button).toHaveAttribute('data-theme', choice);
    await expect(this.page.locator('html')).toHaveClass(new RegExp(`sl-theme-${choice}`));
  }

  /**
   * The text a user can see: text nodes of rendered elements, through open shadow roots, without
   * style and script contents (an element's textContent would include those and skip shadow roots).
   */
  async visibleText(): Promise<string> {
    return this.page.evaluate(() => {
      const parts: string[] = [];
      const walk = (root: Node) => {
        for (let node = root.firstChild; node; node = node.nextSibling) {
          if (node.nodeType === Node.TEXT_NODE) {
            const parent = node.parentElement;
            if (parent && parent.checkVisibility({ visibilityProperty: true })) parts.push(node.textContent ?? '');
          } else if (node instanceof Element) {
            if (node.localName === 'style' || node.localName === 'script' || node.localName === 'template') continue;
            if (node.shadowRoot) walk(node.shadowRoot);
            walk(node);
          }
        }
      };
      walk(document.body);
      return parts.join(' ').replace(/\s+/g, ' ');
    });
  }
}
