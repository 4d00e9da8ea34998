import { expect, type Locator, type Page } from '@playwright/test';

/** Page object for one channel's view (`#/channels/<channel id>`): its <fl-channel-chart>. */
export class ChannelPage {
  readonly page: Page;
  readonly chart: Locator;

  constructor(page: Page) {
    this.page = page;
    this.chart = page.locator('fl-channel fl-channel-chart');
  }

  async open(baseUrl: string, channelId: string): Promise<void> {
    await this.page.goto(`${baseUrl}/#/channels/${encodeURIComponent(channelId)}`);
  }

  /** Waits until the chart says it holds `samples` samples (its header: "1,234 samples · …"). */
  async expectSamples(samples: number, timeout = 30_000): Promise<void> {
    await expect(this.chart.locator('header')).toContainText(`${samples.toLocaleString('en')} samples`, { timeout });
  }

  /** The chart's points drawn (its data-points attribute). */
  async points(): Promise<number> {
    return Number(await this.chart.getAttribute('data-points'));
  }
}
