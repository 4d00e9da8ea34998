import { expect, type Locator, type Page } from '@playwright/test';

/**
 * Page object for sync: the header's one-line status (on every view) and the Sync view
 * (<fl-sync-status>, <fl-conflicts>, <fl-offline-data>).
 */
export class SyncPage {
  readonly page: Page;
  /** The header's compact status link ("Up to date", "2 changes waiting", "Offline · 2 changes waiting"). */
  readonly badge: Locator;
  readonly status: Locator;
  readonly conflicts: Locator;

  constructor(page: Page) {
    this.page = page;
    this.badge = page.locator('fl-app fl-sync-status[compact] a');
    this.status = page.locator('fl-app fl-sync-status:not([compact])');
    this.conflicts = page.locator('fl-conflicts');
  }

  async goto(base = ''): Promise<void> {
    await this.page.goto(`${base}/#/sync`);
    await expect(this.status).toBeVisible();
  }

  /** Waits until a sync finished with nothing left to send (the header says just "Up to date"). */
  async waitUpToDate(timeout = 20_000): Promise<void> {
    await expect(this.badge).toHaveText('Up to date', { timeout });
  }

  async syncNow(): Promise<void> {
    await this.status.getByRole('button', { name: 'Sync now' }).click();
  }

  /** Signs in with the form the Sync view shows when the session is gone. */
  async signIn(username: string, password: string): Promise<void> {
    const form = this.status.getByRole('form', { name: 'Sign in' });
    await form.getByLabel('User name').fill(username);
    await form.getByLabel('Password').fill(password);
    await form.getByRole('button', { name: 'Sign in' }).click();
    await expect(form).toHaveCount(0, { timeout: 20_000 });
  }

  conflict(title: string): Locator {
    return this.conflicts.getByRole('article', { name: `Conflict: ${title}` });
  }

  async keepMine(title: string): Promise<void> {
    await this.conflict(title).getByRole('button', { name: "Keep this device's version" }).click();
    await expect(this.conflict(title)).toHaveCount(0);
  }

  async keepServers(title: string): Promise<void> {
    await this.conflict(title).getByRole('button', { name: "Keep the server's version" }).click();
    await expect(this.conflict(title)).toHaveCount(0);
  }
}
