import { expect, type Locator, type Page } from '@playwright/test';

/** Page object for the Channels section: one <fl-channel-chart> per channel. */
export class ChannelsPage {
  readonly page: Page;
  readonly charts: Locator;

  constructor(page: Page) {
    this.page = page;
    this.charts = page.locator('fl-channel-chart');
  }

  chart(label: string): Locator {
    return this.page.locator('fl-channel-chart', { hasText: label });
  }

  async open(baseUrl: string): Promise<void> {
    await this.page.goto(`${baseUrl}/#/channels`);
  }

  /** Drags across `fraction` of a chart's plot area, from its middle: uPlot's zoom gesture. */
  async zoom(label: string, fraction: number): Promise<void> {
    const overlay = this.chart(label).locator('.u-over');
    await overlay.scrollIntoViewIfNeeded();
    const box = (await overlay.boundingBox())!;
    const middle = box.x + box.width / 2;
    const half = (box.width * fraction) / 2;
    await this.page.mouse.move(middle - half, box.y + box.height / 2);
    await this.page.mouse.down();
    await this.page.mouse.move(middle + half, box.y + box.height / 2, { steps: 5 });
    await this.page.mouse.up();
  }

  async expectDrawn(label: string, source: 'raw' | 'summary'): Promise<void> {
    await expect(this.chart(label)).toHaveAttribute('data-source', source, { timeout: 30_000 });
  }
}
