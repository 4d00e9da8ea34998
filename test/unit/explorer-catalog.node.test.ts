// The explorer's channel catalog (channel-catalog.ts) over real memory storages: what is listed
// from the server and from this device, search over titles, and the asset tree.
import { describe, expect, it } from 'vitest';
import { ChannelArray } from '../../src/arrays';
import { buildCatalog, catalogTree, channelsBelow, listCatalog, searchCatalog } from '../../src/controllers/explorer/channel-catalog';
import { createStorage, type Storage } from '../../src/storage';

const query = (): Storage => createStorage({ type: 'query', sub_storage: { type: 'memory' } });

/** A small fleet: a site with a turbine and its gearbox, a solar plant with an inverter. */
async function fleet(storage: Storage): Promise<void> {
  await storage.put('site/north', { type: 'site', title: 'North Sea Wind', kind: 'wind_farm' });
  await storage.put('site/sun', { type: 'site', title: 'Sunfield Solar', kind: 'solar_plant' });
  await storage.put('asset/north/t01', { type: 'asset', site: 'site/north', title: 'Turbine T01', asset_type: 'turbine' });
  await storage.put('asset/north/t01-gearbox', { type: 'asset', site: 'site/north', title: 'Gearbox', asset_type: 'gearbox', parent: 'asset/north/t01' });
  await storage.put('asset/north/t02', { type: 'asset', site: 'site/north', title: 'Turbine T02', asset_type: 'turbine' });
  await storage.put('asset/sun/inv1', { type: 'asset', site: 'site/sun', title: 'Inverter 1', asset_type: 'inverter' });
  const channel = (source: string, field: string, title: string, unit: string, site: string, asset: string) =>
    storage.put(`channel/${source}/${field}`, { type: 'channel', title, unit, field, site, asset, source, array: `array/${source}/${field}` });
  await channel('t01', 'power', 'Active power', 'kW', 'site/north', 'asset/north/t01');
  await channel('t01', 'wind_speed', 'Wind speed', 'm/s', 'site/north', 'asset/north/t01');
  await channel('t01cms', 'acc_x', 'Gearbox acceleration X', 'g', 'site/north', 'asset/north/t01-gearbox');
  await channel('t02', 'power', 'Active power', 'kW', 'site/north', 'asset/north/t02');
  await channel('inv1', 'ac_power', 'AC power', 'kW', 'site/sun', 'asset/sun/inv1');
}

describe('explorer channel catalog', () => {
  it('lists the server channels with asset and site titles, and only the device channels whose array is pinned here', async () => {
    const server = query();
    await fleet(server);
    const device = query();
    await fleet(device);
    // Only T01's power is pinned on the device.
    const pinned = await ChannelArray.create(device, 'array/t01/power', { timing: 'regular', unit: 'kW', site: 'site/north' });
    await pinned.append(new Float32Array(10).fill(1), { t0: Date.UTC(2026, 10, 1), dt: 1000 });

    const offline = buildCatalog(undefined, await listCatalog(device, { pinnedOnly: true }));
    expect(offline.channels.map((channel) => `${channel.assetTitle} · ${channel.title}`)).toEqual(['Turbine T01 · Active power']);
    expect(offline.channels[0]).toMatchObject({ siteTitle: 'North Sea Wind', unit: 'kW', onDevice: true, onServer: false });
    // The others are known by their documents (a view naming one says it is not on this device), never drawn.
    expect(offline.elsewhere.map((channel) => channel.id).sort()).toEqual(['channel/inv1/ac_power', 'channel/t01/wind_speed', 'channel/t01cms/acc_x', 'channel/t02/power']);
    expect(offline.elsewhere.every((channel) => !channel.onDevice && !channel.onServer)).toBe(true);

    const both = buildCatalog(await listCatalog(server, { pinnedOnly: false }), await listCatalog(device, { pinnedOnly: true }));
    expect(both.channels.map((channel) => channel.id)).toEqual([
      'channel/t01cms/acc_x', // Gearbox (sorted by site, asset title, channel title)
      'channel/t01/power',
      'channel/t01/wind_speed',
      'channel/t02/power',
      'channel/inv1/ac_power',
    ]);
    const power = both.channels.find((channel) => channel.id === 'channel/t01/power')!;
    expect(power).toMatchObject({ onServer: true, onDevice: true });
    expect(both.channels.find((channel) => channel.id === 'channel/t02/power')).toMatchObject({ onServer: true, onDevice: false });
    expect(both.elsewhere).toEqual([]);
  });

  it('a channel whose asset and site documents are missing gets words, not ids', () => {
    const catalog = buildCatalog({ channels: [{ id: 'channel/x/temp', doc: { type: 'channel', title: 'Temperature', site: 'site/gone', asset: 'asset/gone/a', array: 'array/x/temp', field: 'temp' } }], places: [] }, undefined);
    expect(catalog.channels[0]).toMatchObject({ siteTitle: 'No site', assetTitle: 'No asset' });
    const tree = catalogTree(catalog);
    expect(tree).toHaveLength(1);
    expect(tree[0]!.site.title).toBe('No site');
    expect(tree[0]!.channels.map((channel) => channel.title)).toEqual(['Temperature']);
  });

  it('search: every word must match one of name, unit, field, asset title or site title, case-insensitive', async () => {
    const server = query();
    await fleet(server);
    const { channels } = buildCatalog(await listCatalog(server, { pinnedOnly: false }), undefined);
    const ids = (search: string) => searchCatalog(channels, search).map((channel) => channel.id);
    expect(ids('t01 POWER')).toEqual(['channel/t01/power']);
    expect(ids('kw')).toEqual(['channel/t01/power', 'channel/t02/power', 'channel/inv1/ac_power']);
    expect(ids('acc_x')).toEqual(['channel/t01cms/acc_x']);
    expect(ids('sunfield')).toEqual(['channel/inv1/ac_power']);
    expect(ids('gearbox north')).toEqual(['channel/t01cms/acc_x']);
    expect(ids('power solar wind')).toEqual([]);
    expect(ids('   ')).toHaveLength(5);
  });

  it('"T01 wind speed" picked Rotor speed (its site is North Sea Wind): channels whose own title holds more of the words come first', async () => {
    const server = query();
    await fleet(server);
    await server.put('channel/t01/rotor_speed', { type: 'channel', title: 'Rotor speed', unit: 'rpm', field: 'rotor_speed', site: 'site/north', asset: 'asset/north/t01', source: 't01', array: 'array/t01/rotor_speed' });
    const catalog = buildCatalog(await listCatalog(server, { pinnedOnly: false }), undefined);
    const found = searchCatalog(catalog.channels, 'T01 wind speed');
    expect(found.map((channel) => channel.title)).toEqual(['Wind speed', 'Rotor speed']);
    // The tree keeps that order within the asset, so the first channel drawn is the best match.
    expect(catalogTree(catalog, found)[0]!.assets[0]!.channels.map((channel) => channel.title)).toEqual(['Wind speed', 'Rotor speed']);
  });

  it('the tree goes site → asset → parts → channels, and a search keeps only the branches leading to its matches', async () => {
    const server = query();
    await fleet(server);
    const catalog = buildCatalog(await listCatalog(server, { pinnedOnly: false }), undefined);
    const tree = catalogTree(catalog);
    expect(tree.map((site) => site.site.title)).toEqual(['North Sea Wind', 'Sunfield Solar']);
    const north = tree[0]!;
    expect(north.assets.map((node) => node.asset.title)).toEqual(['Turbine T01', 'Turbine T02']);
    const t01 = north.assets[0]!;
    expect(t01.channels.map((channel) => channel.title)).toEqual(['Active power', 'Wind speed']);
    expect(t01.parts.map((part) => part.asset.title)).toEqual(['Gearbox']);
    expect(t01.parts[0]!.channels.map((channel) => channel.title)).toEqual(['Gearbox acceleration X']);
    expect(channelsBelow(t01).map((channel) => channel.id)).toEqual(['channel/t01/power', 'channel/t01/wind_speed', 'channel/t01cms/acc_x']);

    const searched = catalogTree(catalog, searchCatalog(catalog.channels, 'acceleration'));
    expect(searched).toHaveLength(1);
    expect(searched[0]!.assets.map((node) => node.asset.title)).toEqual(['Turbine T01']);
    expect(searched[0]!.assets[0]!.channels).toEqual([]);
    expect(searched[0]!.assets[0]!.parts[0]!.channels.map((channel) => channel.title)).toEqual(['Gearbox acceleration X']);
  });

  it('an asset tree with a parent cycle (two devices wrote at once) still lists every channel once', () => {
    const catalog = buildCatalog(
      {
        channels: [
          { id: 'channel/a/x', doc: { type: 'channel', title: 'X', site: 'site/s', asset: 'asset/s/a', array: 'array/a/x' } },
          { id: 'channel/b/y', doc: { type: 'channel', title: 'Y', site: 'site/s', asset: 'asset/s/b', array: 'array/b/y' } },
        ],
        places: [
          { id: 'site/s', title: 'S', site: 'site/s' },
          { id: 'asset/s/a', title: 'A', site: 'site/s', parent: 'asset/s/b' },
          { id: 'asset/s/b', title: 'B', site: 'site/s', parent: 'asset/s/a' },
        ],
      },
      undefined,
    );
    const all = catalogTree(catalog).flatMap((site) => [...site.channels, ...site.assets.flatMap(channelsBelow)]);
    expect(all.map((channel) => channel.id).sort()).toEqual(['channel/a/x', 'channel/b/y']);
  });
});
