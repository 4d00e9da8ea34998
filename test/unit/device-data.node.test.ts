// My work's "Data on this device" from the real pin service: an asset's own pin (the server's
// estimate before its first sync), else its site's pin, else nothing.
import { describe, expect, it } from 'vitest';
import { PinService } from '../../src/controllers/sync/pins';
import { readDeviceData } from '../../src/controllers/maintenance/device-data';
import { createStorage } from '../../src/storage';

describe('readDeviceData', () => {
  it("tells an asset's own pin, its site's pin, and nothing pinned apart", async () => {
    const local = createStorage({ type: 'memory' });
    const pins = new PinService({ local, remote: createStorage({ type: 'memory' }), device: createStorage({ type: 'memory' }), signaturesFor: () => createStorage({ type: 'memory' }) });
    await pins.pin({ site: 'site/north', asset: 'asset/north/t01', days: 7, estimated_bytes: 2_000_000 });
    await pins.pin({ site: 'site/south', days: 30 });
    const of = await readDeviceData(pins);
    expect(of('asset/north/t01', 'site/north')).toEqual({ by: 'asset', auto: false, bytes: 2_000_000, expected: true, lastSync: undefined, days: 7 });
    expect(of('asset/north/t02', 'site/north')).toBeUndefined();
    expect(of('asset/south/inv1', 'site/south')).toMatchObject({ by: 'site', days: 30 });
    expect((await readDeviceData(undefined))('asset/north/t01', 'site/north')).toBeUndefined();
  });
});
