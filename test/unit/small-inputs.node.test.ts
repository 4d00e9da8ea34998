// Small requests that used to cost a 500 or a stalled server, through the real HTTP API: a `%` in
// an id (decoded twice), a malformed escape, deeply nested queries, a backtracking LIKE, upload
// sizes no column holds, and sample values beyond float32.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_PASSWORD, apiCaller, startTestServer, type TestServer } from '../support/server-session';

let test: TestServer;
const tokens: Record<string, string> = {};
const call = apiCaller(() => test, tokens);

beforeAll(async () => {
  test = await startTestServer();
  tokens.admin = await test.login('admin', ADMIN_PASSWORD);
  tokens.tom = await test.addUser(tokens.admin, 'tom', 'technician', ['site/T07']);
});

afterAll(async () => {
  await test.stop();
});

/** Expects a 4xx `{error, detail}` answer and returns its detail. */
async function refusal(response: Response, status = 400): Promise<string> {
  const body = (await response.json()) as { error?: unknown; detail?: unknown };
  expect(response.status, JSON.stringify(body)).toBe(status);
  expect(typeof body.error).toBe('string');
  expect(typeof body.detail).toBe('string');
  return body.detail as string;
}

describe('ids in paths', () => {
  it('a % in an upload, source or job id is an unknown id (404), not a 500 from decoding twice', async () => {
    for (const path of ['/api/uploads/%25', '/api/uploads/%2525', '/api/sources/%25', '/api/sources/100%25', '/api/jobs/%25', '/api/jobs/%25zz']) {
      await refusal(await call('admin', 'GET', path), 404);
    }
  });

  it('ids still arrive decoded once: an upload and a source read back by their encoded ids', async () => {
    const started = await call('admin', 'POST', '/api/uploads', { name: 'f.csv', size: 100, fingerprint: 'ids-1', header: 'time,a\n', header_bytes: 7 });
    expect(started.status).toBe(201);
    const upload = (await started.json()) as { id: string; source: string; links: { self: string } };
    expect(upload.id).toContain('/');
    expect((await call('admin', 'GET', upload.links.self)).status).toBe(200);
    expect((await call('admin', 'GET', `/api/uploads/${encodeURIComponent(upload.id)}`)).status).toBe(200);
    expect((await call('admin', 'GET', `/api/sources/${encodeURIComponent(upload.source)}`)).status).toBe(200);
  });

  it('a document id with a literal % works end to end, and %25 in the path is that %, not an escape', async () => {
    expect((await call('admin', 'PUT', '/api/docs/100%25%20done', { type: 'note', title: 'percent' })).status).toBe(200);
    const doc = (await (await call('admin', 'GET', '/api/docs/100%25%20done')).json()) as { title: string };
    expect(doc.title).toBe('percent');
    const ids = ((await (await call('admin', 'GET', '/api/docs')).json()) as { rows: Array<{ id: string }> }).rows.map((row) => row.id);
    expect(ids).toContain('100% done');
    // Decoded once: "%2525" is the id "%25", another document.
    await refusal(await call('admin', 'GET', '/api/docs/100%2525%20done'), 404);
  });

  it('a malformed percent-escape in a path is a 400 in the API error shape', async () => {
    for (const path of ['/api/uploads/%zz', '/api/docs/%E0%A4%A', '/api/sources/%']) {
      expect(await refusal(await call('admin', 'GET', path))).toMatch(/not a valid url/);
    }
  });
});

describe('queries', () => {
  it('2,000 nested parentheses are a 400 naming the position, not a stack overflow (500)', async () => {
    const query = `${'('.repeat(2000)}type:note${')'.repeat(2000)}`;
    expect(await refusal(await call('admin', 'GET', `/api/docs?query=${encodeURIComponent(query)}`))).toMatch(/nested at position 128/);
    expect(await refusal(await call('admin', 'GET', `/api/docs?query=${encodeURIComponent(`${'NOT '.repeat(1500)}type:note`)}`))).toMatch(/nested at position/);
  });

  it("a technician's note:%a%a%a%b over a 1,000-character note answers (it took 42 s and stalled the server)", { timeout: 10_000 }, async () => {
    expect((await call('tom', 'PUT', '/api/docs/note-long', { type: 'note', site: 'site/T07', note: 'a'.repeat(1000) })).status).toBe(200);
    expect((await call('tom', 'PUT', '/api/docs/note-ab', { type: 'note', site: 'site/T07', note: `${'a'.repeat(999)}b` })).status).toBe(200);
    // The regexp it replaced blocked the event loop (the test's own timer too) until it finished.
    const response = await call('tom', 'GET', `/api/docs?query=${encodeURIComponent('note:%a%a%a%b')}`);
    expect(response.status).toBe(200);
    const body = (await response.json()) as { rows: Array<{ id: string }> };
    expect(body.rows.map((row) => row.id)).toEqual(['note-ab']);
  });
});

describe('upload sizes', () => {
  it('a size or header length no database column holds is a 400, and nothing is created', async () => {
    const sourcesBefore = ((await (await call('admin', 'GET', '/api/sources')).json()) as { sources: unknown[] }).sources.length;
    const base = { name: 'f.csv', size: 100, fingerprint: 'size', header: 'time,a\n', header_bytes: 7 };
    for (const [field, value] of [
      ['size', 1e300],
      ['size', 2 ** 53],
      ['size', 1.5],
      ['header_bytes', 1e300],
    ] as const) {
      const detail = await refusal(await call('admin', 'POST', '/api/uploads', { ...base, fingerprint: `size-${field}-${value}`, [field]: value }));
      expect(detail).toContain(field);
    }
    const sourcesAfter = ((await (await call('admin', 'GET', '/api/sources')).json()) as { sources: unknown[] }).sources.length;
    expect(sourcesAfter).toBe(sourcesBefore);
    expect((await call('admin', 'POST', '/api/uploads', { ...base, size: Number.MAX_SAFE_INTEGER })).status).toBe(201);
  });
});

describe('sample values', () => {
  const path = '/api/arrays/array%2FT07%2Fvalues';

  beforeAll(async () => {
    expect((await call('admin', 'POST', '/api/arrays', { id: 'array/T07/values', timing: 'explicit', site: 'site/T07' })).status).toBe(201);
    expect((await call('admin', 'POST', '/api/arrays', { id: 'array/T07/binary', timing: 'regular', site: 'site/T07' })).status).toBe(201);
  });

  const lengthOf = async (url: string) => ((await (await call('admin', 'GET', url)).json()) as { length: number }).length;

  it('JSON values beyond float32 or not numbers are a 400 naming the index; null stays a missing value', async () => {
    for (const [values, index] of [
      [[1, 2, 1e39], 2],
      [[-3.5e38], 0],
      [[1, 'x'], 1],
    ] as const) {
      const detail = await refusal(await call('tom', 'POST', `${path}/values`, { times: values.map((_, at) => 1000 + at), values }));
      expect(detail).toContain(`values[${index}]`);
    }
    // JSON has no Infinity, but 1e400 reads as one.
    const detail = await refusal(await call('tom', 'POST', `${path}/values`, '{"times": [1000], "values": [1e400]}', { 'content-type': 'application/json' }));
    expect(detail).toContain('values[0] is Infinity');
    await refusal(await call('tom', 'POST', `${path}/values`, { times: ['1000'], values: [1] }));
    expect(await lengthOf(path)).toBe(0);

    const largest = 3.4028234663852886e38;
    expect((await call('tom', 'POST', `${path}/values`, { times: [1000, 1001, 1002], values: [largest, null, -largest] })).status).toBe(200);
    const summary = (await (await call('admin', 'GET', `${path}/summaries?width=1`)).json()) as { summaries: Array<{ min: number; max: number; count: number }> };
    expect(summary.summaries).toEqual([expect.objectContaining({ min: -largest, max: largest })]);
  });

  it('binary Float32 bodies with an infinity are a 400 naming the sample; NaN stays a missing value', async () => {
    const binary = '/api/arrays/array%2FT07%2Fbinary';
    for (const infinity of [Infinity, -Infinity]) {
      const values = new Float32Array([1, Number.NaN, infinity, 4]);
      expect(await refusal(await call('tom', 'POST', `${binary}/values?t0=1000&dt=10`, new Uint8Array(values.buffer)))).toContain('sample 2');
    }
    expect(await lengthOf(binary)).toBe(0);
    const values = new Float32Array([1, Number.NaN, 4]);
    expect((await call('tom', 'POST', `${binary}/values?t0=1000&dt=10`, new Uint8Array(values.buffer))).status).toBe(200);
    expect(await lengthOf(binary)).toBe(3);
  });
});
