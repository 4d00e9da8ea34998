import { expect, type Locator, type Page } from '@playwright/test';

/** Page object for the Import view (<fl-upload>): pick a CSV, check the preview, upload, follow progress. */
export class ImportPage {
  readonly page: Page;
  readonly gadget: Locator;
  readonly fileInput: Locator;
  readonly preview: Locator;
  readonly uploads: Locator;

  constructor(page: Page) {
    this.page = page;
    this.gadget = page.locator('fl-upload');
    this.fileInput = this.gadget.locator('input[type=file]');
    this.preview = this.gadget.getByRole('table', { name: 'First rows' });
    this.uploads = this.gadget.getByRole('list', { name: 'Uploads' });
  }

  async open(base: string): Promise<void> {
    await this.page.goto(`${base}/#/import`);
    await expect(this.gadget).toBeVisible();
  }

  async pick(name: string, bytes: Buffer): Promise<void> {
    await this.fileInput.setInputFiles({ name, mimeType: 'text/csv', buffer: bytes });
    await expect(this.preview).toBeVisible();
  }

  async upload(site: string): Promise<void> {
    await this.gadget.getByLabel('Site').fill(site);
    await this.gadget.getByRole('button', { name: 'Upload' }).click();
  }

  upload_(name: string): Locator {
    return this.uploads.getByRole('listitem', { name: `Upload ${name}` });
  }

  async signIn(username: string, password: string): Promise<void> {
    const form = this.gadget.getByRole('form', { name: 'Sign in' });
    await form.getByLabel('User name').fill(username);
    await form.getByLabel('Password').fill(password);
    await form.getByRole('button', { name: 'Sign in' }).click();
  }
}
