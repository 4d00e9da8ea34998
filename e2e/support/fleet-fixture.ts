/**
 * A small wind park written through the server's API, as an admin and a data source would: a
 * site, two turbines (one with a gearbox and its main bearing below it), sources bound to them
 * with per-field channel metadata, and ten minutes of 1 Hz samples ingested over HTTP (so the
 * channel documents and arrays come from the real ingestion path). Used by e2e specs whether or
 * not the server's simulated fleet (DEMO=1) is running.
 */
export const FIXTURE_SITE = { id: 'site/test-wind-park', title: 'Test Wind Park' };
export const FIXTURE_TURBINE = { id: 'asset/test-wind-park/t01', title: 'Turbine T01' };
export const FIXTURE_GEARBOX = { id: 'asset/test-wind-park/t01-gearbox', title: 'Gearbox T01' };
export const FIXTURE_POWER = { title: 'Power output', unit: 'kW' };

interface SourceAnswer {
  id: string;
  token: string;
}

/** A data source of the fixture: its tag and token, to send more samples as it would. */
export interface FixtureSource {
  tag: string;
  token: string;
}

/** Writes the fixture on the server at `url` with an admin's bearer token; resolves with Turbine T01's source. */
export async function writeFleetFixture(url: string, adminToken: string, now = Date.now()): Promise<FixtureSource> {
  const call = async (method: string, path: string, body?: unknown, token = adminToken, type = 'application/json'): Promise<Response> => {
    const response = await fetch(`${url}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, 'content-type': type },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
    if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${await response.text()}`);
    return response;
  };
  const put = (id: string, doc: object) => call('PUT', `/api/docs/${encodeURIComponent(id)}`, doc);
  const site = FIXTURE_SITE.id;
  await put(site, { type: 'site', title: FIXTURE_SITE.title, kind: 'wind_farm', location: { label: 'Dogger Bank, North Sea' }, description: 'Two turbines for the end-to-end tests.' });
  await put(FIXTURE_TURBINE.id, { type: 'asset', site, title: FIXTURE_TURBINE.title, asset_type: 'turbine', make: 'Vestas', model: 'V150', serial: 'T01-2021-0042', commissioned: '2021-06-01' });
  await put(FIXTURE_GEARBOX.id, { type: 'asset', site, title: FIXTURE_GEARBOX.title, asset_type: 'gearbox', parent: FIXTURE_TURBINE.id });
  await put('asset/test-wind-park/t01-main-bearing', { type: 'asset', site, title: 'Main bearing T01', asset_type: 'main_bearing', parent: FIXTURE_GEARBOX.id });
  await put('asset/test-wind-park/t02', { type: 'asset', site, title: 'Turbine T02', asset_type: 'turbine', make: 'Vestas', model: 'V150' });

  const source = async (tag: string, asset: string, fields: Record<string, object>): Promise<SourceAnswer> =>
    (await (await call('POST', '/api/sources', { tag, site, asset, fields })).json()) as SourceAnswer;
  const ingest = async (answer: SourceAnswer, tag: string, record: (second: number) => Record<string, number>) => {
    const lines: string[] = [];
    for (let second = 600; second > 0; second--) lines.push(JSON.stringify({ time: (now - second * 1000) / 1000, ...record(second) }));
    await call('POST', `/api/ingest?reference=${encodeURIComponent(tag)}`, lines.join('\n'), answer.token, 'application/x-ndjson');
  };
  let first: FixtureSource | undefined;
  for (const [index, turbine] of [FIXTURE_TURBINE.id, 'asset/test-wind-park/t02'].entries()) {
    const tag = `test.t0${index + 1}`;
    const answer = await source(tag, turbine, {
      power: { title: FIXTURE_POWER.title, unit: FIXTURE_POWER.unit, rate: 1, normal: { min: 0, max: 4200 } },
      wind_speed: { title: 'Wind speed', unit: 'm/s', rate: 1, normal: { min: 0, max: 25 } },
      rotor_speed: { title: 'Rotor speed', unit: 'rpm', rate: 1 },
    });
    await ingest(answer, tag, (second) => {
      const wind = 9 + 2 * Math.sin(second / 60) + index;
      return { wind_speed: wind, power: Math.min(4200, 3.2 * wind ** 3), rotor_speed: 6 + wind / 2 };
    });
    first ??= { tag, token: answer.token };
  }
  const gearbox = await source('test.t01.gearbox', FIXTURE_GEARBOX.id, { bearing_temp: { title: 'Gearbox bearing temperature', unit: '°C', rate: 1, normal: { max: 80 } } });
  await ingest(gearbox, 'test.t01.gearbox', (second) => ({ bearing_temp: 62 + Math.sin(second / 90) * 3 }));
  return first!;
}

/** Sends one event from a fixture source over HTTP ingest (JSON lines), as an agent would. */
export async function sendSample(url: string, source: FixtureSource, record: Record<string, number>, time = Date.now()): Promise<void> {
  const response = await fetch(`${url}/api/ingest?reference=${encodeURIComponent(source.tag)}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${source.token}`, 'content-type': 'application/x-ndjson' },
    body: JSON.stringify({ time: time / 1000, ...record }),
  });
  if (!response.ok) throw new Error(`ingest: ${response.status} ${await response.text()}`);
}
