import { expect, type Locator, type Page } from '@playwright/test';

/** Page object for the app shell (<fl-app>): navigation, status indicator, update prompt. */
export class AppShell {
  readonly page: Page;
  readonly navigation: Locator;
  readonly status: Locator;
  readonly heading: Locator;
  readonly updatePrompt: Locator;

  constructor(page: Page) {
    this.page = page;
    // Playwright's CSS and role locators pierce open shadow roots.
    this.navigation = page.getByRole('navigation', { name: 'Main' });
    this.status = page.locator('fl-app').getByRole('status', { name: 'Connection' });
    this.heading = page.locator('fl-app main h2');
    this.updatePrompt = page.locator('fl-app').getByRole('alert');
  }

  async open(path = '/'): Promise<void> {
    await this.page.goto(path);
    await expect(this.navigation).toBeVisible();
  }

  async goTo(section: 'Sites' | 'Channels' | 'Import' | 'Sources' | 'Work orders' | 'Sync'): Promise<void> {
    await this.navigation.getByRole('link', { name: section }).click();
    await expect(this.heading).toHaveText(section);
  }

  /** Resolves once a service worker is active for this page's scope. */
  async serviceWorkerReady(): Promise<void> {
    await this.page.evaluate(async () => {
      await navigator.serviceWorker.ready;
    });
  }

  async isControlled(): Promise<boolean> {
    return this.page.evaluate(() => navigator.serviceWorker.controller !== null);
  }
}
