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
    this.heading = page.locator('fl-app main h2[data-view-heading]');
    this.updatePrompt = page.locator('fl-app').getByRole('alert');
  }

  async open(path = '/'): Promise<void> {
    await this.page.goto(path);
    await expect(this.navigation).toBeVisible();
  }

  /** Follows a navigation link (the user's role decides which are there: Admin opens Users). */
  async goTo(section: 'Sites' | 'Alarms' | 'Channels' | 'Import' | 'Sources' | 'Work orders' | 'Sync' | 'Admin'): Promise<void> {
    await this.navigation.getByRole('link', { name: section }).click();
    await expect(this.heading).toHaveText(section === 'Admin' ? 'Users' : section);
  }

  /** Signs in through the API (the context keeps the cookie) and reloads, so the header shows the user. */
  async signInByApi(username: string, password: string): Promise<void> {
    const response = await this.page.request.post('/api/session', { data: { username, password } });
    expect(response.ok()).toBe(true);
    await this.page.reload();
    await expect(this.page.locator('fl-app [data-user]')).toContainText(username);
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
