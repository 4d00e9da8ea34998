// A derived anomaly channel is a channel like any other in real Chromium: the channel page opens
// its document and plots its array (scores in [0, 1] at the input's times).
import { describe, expect, it } from 'vitest';
import { ContextProvider } from '@lit/context';
import { LitElement, html } from 'lit';
import { ChannelArray } from '../../src/arrays';
import { LocalAnomalyRunner } from '../../src/compute';
import { hrefOf, serverStorageContext, storageContext } from '../../src/controllers';
import { anomalyArrayId } from '../../src/core';
import { defineGadgets, type FlChannel } from '../../src/gadgets';
import type { FlChannelChart } from '../../src/gadgets/fl-channel-chart';
import { createStorage, type Storage } from '../../src/storage';

defineGadgets();

class ChannelHost extends LitElement {
  static override properties = { storage: { attribute: false }, view: { attribute: false } };
  declare storage: Storage | undefined;
  declare view: unknown;
  readonly #local = new ContextProvider(this, { context: storageContext });
  readonly #server = new ContextProvider(this, { context: serverStorageContext });
  protected override willUpdate(): void {
    this.#local.setValue(this.storage);
    this.#server.setValue(this.storage);
  }
  override render() {
    return this.view;
  }
}
customElements.define('anomaly-channel-host', ChannelHost);

describe('the derived anomaly channel on the channel page', () => {
  it('opens with its title and plots every score', async () => {
    const storage = createStorage({ type: 'memory' });
    const channel = 'channel/source/t7/gearbox_temp';
    const input = 'array/source/t7/gearbox_temp';
    await storage.put(channel, { type: 'channel', site: 'site/north', asset: 'asset/north/t7', source: 'source/t7', array: input, field: 'gearbox_temp', title: 'Gearbox temperature', unit: '°C', anomaly: true });
    const array = await ChannelArray.create(storage, input, { timing: 'explicit', site: 'site/north' });
    const count = 3000;
    await array.append(
      Float32Array.from({ length: count }, (_, i) => 60 + 5 * Math.sin(i / 100) + (i === 2500 ? 40 : 0)),
      Float64Array.from({ length: count }, (_, i) => Date.UTC(2026, 10, 1) + i * 1000),
    );
    await new LocalAnomalyRunner({ storage, state: createStorage({ type: 'memory' }), channel }).run();

    const host = document.createElement('anomaly-channel-host') as ChannelHost;
    host.storage = storage;
    host.view = html`<fl-channel channel=${`${channel}/anomaly`}></fl-channel>`;
    document.body.append(host);
    try {
      const page = () => host.shadowRoot?.querySelector('fl-channel') as FlChannel | null;
      await expect.poll(() => page()?.doc?.title, { timeout: 10_000 }).toBe('Gearbox temperature — anomaly score');
      const chart = () => page()?.shadowRoot?.querySelector('fl-channel-chart') as FlChannelChart | null;
      await expect.poll(() => chart()?.array, { timeout: 10_000 }).toBe(anomalyArrayId(input));
      // The header counts the samples drawn: all of them.
      await expect.poll(() => chart()?.shadowRoot?.querySelector('header span:last-child')?.textContent ?? '', { timeout: 10_000 }).toMatch(/^3,000 samples/);
      expect(page()!.shadowRoot!.textContent).toContain('0 to 1');
      // The score links back to the channel it scores …
      const link = (text: string) => [...(page()?.shadowRoot?.querySelectorAll('a') ?? [])].find((anchor) => anchor.textContent?.trim() === text);
      await expect.poll(() => link('Scored channel')?.getAttribute('href'), { timeout: 10_000 }).toBe(hrefOf('channels', channel));
      expect(link('Anomaly score')).toBeUndefined();
      // … and the scored channel's page links to its score.
      page()!.channel = channel;
      await expect.poll(() => page()?.doc?.title, { timeout: 10_000 }).toBe('Gearbox temperature');
      await expect.poll(() => link('Anomaly score')?.getAttribute('href'), { timeout: 10_000 }).toBe(hrefOf('channels', `${channel}/anomaly`));
      expect(link('Scored channel')).toBeUndefined();
    } finally {
      host.remove();
    }
  });

  it('links no anomaly score from a channel that has none', async () => {
    const storage = createStorage({ type: 'memory' });
    const channel = 'channel/source/t7/wind_speed';
    await storage.put(channel, { type: 'channel', site: 'site/north', asset: 'asset/north/t7', source: 'source/t7', array: 'array/source/t7/wind_speed', field: 'wind_speed', title: 'Wind speed', unit: 'm/s' });
    await storage.put('asset/north/t7', { type: 'asset', site: 'site/north', title: 'T7', asset_type: 'turbine' });
    const host = document.createElement('anomaly-channel-host') as ChannelHost;
    host.storage = storage;
    host.view = html`<fl-channel channel=${channel}></fl-channel>`;
    document.body.append(host);
    try {
      const page = () => host.shadowRoot?.querySelector('fl-channel') as FlChannel | null;
      // null once the page has looked for a score and found none (undefined until then).
      await expect.poll(() => page()?.related, { timeout: 10_000 }).toBeNull();
      await expect.poll(() => page()?.shadowRoot?.querySelector('.facts a')?.textContent, { timeout: 10_000 }).toBe('T7');
      // Its asset, and the explorer (every channel page has it): no link to a score.
      expect([...page()!.shadowRoot!.querySelectorAll('a:not([data-action="explore"])')].map((anchor) => anchor.textContent?.trim())).toEqual(['T7']);
    } finally {
      host.remove();
    }
  });
});
