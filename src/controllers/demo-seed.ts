/**
 * Writes the demo wind turbine (site, asset, channel documents and their arrays) into the local
 * storage, reporting progress. Runs once: it does nothing when the demo asset already exists.
 */
import { ChannelArray, CHUNK_SIZE } from '../arrays';
import { demoChannels, demoSamples } from '../core';
import { StorageError, type Storage } from '../storage';

export const DEMO_SITE = 'site/demo-wind-farm';
/** `scope` of documents that stay on this device (the demo): sync leaves them alone. */
export const DEVICE_SCOPE = 'device';
export const DEMO_ASSET = 'asset/demo-wind-farm/T-07';
/** Epoch ms of the demo's first sample. */
export const DEMO_START = Date.UTC(2026, 10, 1);

export interface SeedProgress {
  done: number;
  total: number;
}

/** True when the demo is already in `storage`. */
export async function demoSeeded(storage: Storage): Promise<boolean> {
  try {
    const asset = await storage.get(DEMO_ASSET);
    return asset.seeded === true;
  } catch (error) {
    if (error instanceof StorageError && error.status === 404) return false;
    throw error;
  }
}

/** Seeds the demo unless it is there; `onProgress` gets samples written so far. */
export async function seedDemo(storage: Storage, onProgress: (progress: SeedProgress) => void = () => undefined): Promise<void> {
  if (await demoSeeded(storage)) return;
  const total = demoChannels.reduce((sum, channel) => sum + channel.length, 0);
  let done = 0;
  await storage.put(DEMO_SITE, { type: 'site', title: 'Demo wind farm', location: 'North Sea', scope: DEVICE_SCOPE });
  for (const channel of demoChannels) {
    const arrayId = `array/demo/${channel.id}`;
    // A half-written demo from an interrupted first start is replaced, not appended to.
    await storage.remove(arrayId).catch(() => undefined);
    const array = await ChannelArray.create(storage, arrayId, { timing: 'regular', unit: channel.unit });
    for (let from = 0; from < channel.length; from += CHUNK_SIZE) {
      const to = Math.min(channel.length, from + CHUNK_SIZE);
      await array.append(demoSamples(channel, from, to), { t0: DEMO_START + (from * 1000) / channel.rate, dt: 1000 / channel.rate });
      done += to - from;
      onProgress({ done, total });
    }
    await storage.put(`channel/demo/${channel.id}`, {
      type: 'channel',
      title: channel.title,
      unit: channel.unit,
      rate: channel.rate,
      site: DEMO_SITE,
      asset: DEMO_ASSET,
      array: arrayId,
      scope: DEVICE_SCOPE,
    });
  }
  // Written last: its flag says the demo is complete.
  await storage.put(DEMO_ASSET, { type: 'asset', title: 'Turbine T-07', site: DEMO_SITE, seeded: true, scope: DEVICE_SCOPE });
}
