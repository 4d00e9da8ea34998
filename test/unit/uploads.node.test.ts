// CSV uploads: the core CSV rules, the piece reader, the server's resumable upload API (roles,
// offsets, resends, bad lines), and the browser's Uploader driving the real server through a
// network that cuts answers, goes offline, and comes back.
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { CsvError, detectDialect, parseRows } from '../../src/core';
import { inspectCsv, readPiece } from '../../src/controllers/upload/csv-file';
import { Uploader, type UploadJob } from '../../src/controllers/upload/uploader';
import { createStorage } from '../../src/storage';
import { ADMIN_PASSWORD, apiCaller, startTestServer, type TestServer } from '../support/server-session';

const SITE = 'site/S1';

/** A CSV of `rows` rows, one per second from 2026-01-01, with a unit in each value header. */
function csvText(rows: number, delimiter = ','): string {
  const lines = [['time', 'temp [°C]', 'power(kW)', 'note'].join(delimiter)];
  for (let row = 0; row < rows; row++) lines.push([new Date(Date.UTC(2026, 0, 1) + row * 1000).toISOString(), (20 + (row % 100) / 10).toFixed(1), String(row), row % 7 === 0 ? 'ok' : ''].join(delimiter));
  return `${lines.join('\n')}\n`;
}

describe('CSV rules (core)', () => {
  it('detects delimiter, units and the time column; parses numbers, text and empty cells', () => {
    const dialect = detectDialect('zeit;Temperatur [°C];Druck (bar)\n1700000000;21,5;3\n1700000001;22;4\n');
    expect(dialect.delimiter).toBe(';');
    expect(dialect.columns).toEqual([
      { name: 'zeit', unit: '' },
      { name: 'Temperatur', unit: '°C' },
      { name: 'Druck', unit: 'bar' },
    ]);
    expect(dialect.timeColumn).toBe(0);
    const tabbed = detectDialect('value\tTimestamp\n1\t2026-01-01T00:00:00Z\n');
    expect(tabbed.delimiter).toBe('\t');
    expect(tabbed.timeColumn).toBe(1);
    const rows = parseRows('2026-01-01T00:00:00Z,1.5,"a, quoted"\n1767225601,,x\n\n', detectDialect('t,v,s'), 2);
    expect(rows).toEqual([
      { time: Date.UTC(2026, 0, 1), record: { v: 1.5, s: 'a, quoted' } },
      { time: 1_767_225_601_000, record: { v: null, s: 'x' } },
    ]);
  });

  it('names the line at fault and takes nothing from a text with a bad line', () => {
    const dialect = detectDialect('time,v');
    expect(() => parseRows('1,2\n3\n', dialect, 10)).toThrow(/line 11: 1 cells where the header has 2/);
    expect(() => parseRows('1,2\nyesterday,3\n', dialect, 2)).toThrow(/line 3: the time "yesterday"/);
    expect(() => detectDialect('time,time')).toThrow(/twice/);
    expect(() => detectDialect('')).toThrow(CsvError);
    expect(() => detectDialect('a,b', { timeColumn: 'c' })).toThrow(/no column "c"/);
  });

  it('reads pieces of whole lines by byte offset, never splitting a UTF-8 character', async () => {
    const text = `time,name\n${Array.from({ length: 500 }, (_, row) => `${1_700_000_000 + row},Überprüfung-${row}-ü€`).join('\n')}`; // no final line break
    const file = new Blob([text]);
    const inspection = await inspectCsv(file);
    expect(inspection.headerBytes).toBe(10);
    let offset = inspection.headerBytes;
    let line = 2;
    const pieces: string[] = [];
    let rows = 0;
    while (offset < file.size) {
      const piece = await readPiece(file, offset, 200, inspection.dialect, line);
      expect(piece.end).toBeGreaterThan(offset);
      if (piece.end < file.size) expect(piece.bytes.at(-1)).toBe(0x0a);
      pieces.push(new TextDecoder('utf-8', { fatal: true }).decode(piece.bytes));
      rows += piece.rows;
      line += piece.lines;
      offset = piece.end;
    }
    expect(rows).toBe(500);
    expect(`time,name\n${pieces.join('')}`).toBe(text);
    await expect(readPiece(new Blob(['time,v\n1,2\nbad line\n']), 7, 100, inspection.dialect, 2)).rejects.toThrow(/line 3/);
    await expect(readPiece(new Blob([`time,v\n${'9'.repeat(300)}`]), 7, 100, inspection.dialect, 2)).rejects.toThrow(/longer than 100 bytes/);
  });
});

let test: TestServer;
const tokens: Record<string, string | undefined> = {};
const call = apiCaller(() => test, tokens);

beforeAll(async () => {
  test = await startTestServer();
  tokens.admin = await test.login('admin', ADMIN_PASSWORD);
  tokens.tech = await test.addUser(tokens.admin, 'tech', 'technician', [SITE]);
  tokens.other = await test.addUser(tokens.admin, 'other', 'technician', ['site/S2']);
  tokens.engineer = await test.addUser(tokens.admin, 'eng', 'engineer');
});

afterAll(async () => {
  await test.stop();
});

interface UploadView {
  id: string;
  byte_offset: number;
  lines: number;
  events: number;
  state: string;
  source: string;
}

async function start(who: string, text: string, extra: Record<string, unknown> = {}): Promise<Response> {
  const header = text.slice(0, text.indexOf('\n'));
  return call(who, 'POST', '/api/uploads', { name: 'log.csv', size: Buffer.byteLength(text), fingerprint: `fp-${Math.random()}`, header, header_bytes: Buffer.byteLength(header) + 1, site: SITE, ...extra });
}

const put = (who: string, upload: UploadView, offset: number, bytes: Uint8Array): Promise<Response> =>
  call(who, 'PUT', `/api/uploads/${encodeURIComponent(upload.id)}/data?offset=${offset}`, bytes, { 'content-type': 'text/csv' });

describe('upload API', () => {
  it('a piece of more than a million rows is refused (413) before its rows are parsed', async () => {
    // Rows past the limit, then a line that would not parse: counting first answers 413, not 400.
    const rows = `${'1700000000,1\n'.repeat(1_000_001)}not a row at all\n`;
    const text = `time,v\n${rows}`;
    const upload = (await (await start('tech', text)).json()) as UploadView;
    const response = await put('tech', upload, upload.byte_offset, Buffer.from(rows));
    expect(response.status).toBe(413);
    expect(((await (await call('tech', 'GET', `/api/uploads/${encodeURIComponent(upload.id)}`)).json()) as UploadView).events).toBe(0);
  });

  it('stores pieces once by offset; a resent piece is acknowledged again; a wrong offset gets 409 with where to go on', async () => {
    const text = csvText(1000);
    const bytes = Buffer.from(text);
    const started = await start('tech', text);
    expect(started.status).toBe(201);
    const upload = (await started.json()) as UploadView;
    expect(upload.byte_offset).toBe(bytes.indexOf(0x0a) + 1);
    const middle = bytes.indexOf(0x0a, 20_000) + 1;
    const first = await put('tech', upload, upload.byte_offset, bytes.subarray(upload.byte_offset, middle));
    expect(first.status).toBe(200);
    const afterFirst = (await first.json()) as UploadView;
    expect(afterFirst.byte_offset).toBe(middle);
    // The answer was lost: the same piece again changes nothing.
    const again = await put('tech', upload, upload.byte_offset, bytes.subarray(upload.byte_offset, middle));
    expect(again.status).toBe(200);
    expect(((await again.json()) as UploadView).events).toBe(afterFirst.events);
    const ahead = await put('tech', upload, middle + 10, bytes.subarray(middle + 10));
    expect(ahead.status).toBe(409);
    expect(((await ahead.json()) as { byte_offset: number }).byte_offset).toBe(middle);
    const cut = await put('tech', upload, middle, bytes.subarray(middle, middle + 50));
    expect(cut.status).toBe(400);
    expect(((await cut.json()) as { detail: string }).detail).toMatch(/line break/);
    const last = await put('tech', upload, middle, bytes.subarray(middle));
    expect(last.status).toBe(200);
    const done = (await last.json()) as UploadView;
    expect(done).toMatchObject({ state: 'complete', byte_offset: bytes.length, events: 1000, lines: 1002 });
    // The channels carry the header's units, and hold every row once, in order.
    const channels = (await (await call('tech', 'GET', `/api/channels?query=${encodeURIComponent(`source:"${upload.source}"`)}`)).json()) as { rows: Array<{ doc: { title: string; unit: string; array: string } }> };
    const byTitle = Object.fromEntries(channels.rows.map((row) => [row.doc.title, row.doc]));
    expect(byTitle.temp?.unit).toBe('°C');
    expect(byTitle.power?.unit).toBe('kW');
    expect(byTitle.note).toBeUndefined(); // text stays in the raw stream
    const samples = await call('tech', 'GET', `/api/arrays/${encodeURIComponent(byTitle.power!.array)}/values?start=0&end=2000`);
    expect(samples.status).toBe(200);
    expect([...new Float32Array(await samples.arrayBuffer())]).toEqual(Array.from({ length: 1000 }, (_, row) => row));
    expect((await put('tech', upload, bytes.length, Buffer.from('1,2,3,4\n'))).status).toBe(409);
  });

  it('refuses a bad line with its number and stores nothing of the piece', async () => {
    const text = `time,v\n1700000000,1\n1700000001,2\n1700000002\n1700000003,4\n`;
    const upload = (await (await start('tech', text)).json()) as UploadView;
    const bad = await put('tech', upload, upload.byte_offset, Buffer.from(text).subarray(upload.byte_offset));
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { detail: string }).detail).toMatch(/line 4: 1 cells/);
    const state = (await (await call('tech', 'GET', `/api/uploads/${encodeURIComponent(upload.id)}`)).json()) as UploadView;
    expect(state).toMatchObject({ events: 0, byte_offset: upload.byte_offset, state: 'uploading' });
  });

  it('checks who uploads where, and whose uploads one sees', async () => {
    expect((await start('engineer', csvText(1))).status).toBe(403);
    expect((await start('other', csvText(1))).status).toBe(403);
    expect((await start('tech', csvText(1), { site: undefined })).status).toBe(403);
    expect((await call('nobody', 'POST', '/api/uploads', { name: 'a.csv', size: 10, fingerprint: 'x', header: 'time,v', header_bytes: 7 })).status).toBe(401);
    expect((await start('tech', csvText(1), { header: 'onlyone' })).status).toBe(400);
    expect((await start('tech', csvText(1), { size: 'big' })).status).toBe(400);
    const upload = (await (await start('tech', csvText(3))).json()) as UploadView;
    expect((await call('other', 'GET', `/api/uploads/${encodeURIComponent(upload.id)}`)).status).toBe(404);
    expect((await put('other', upload, upload.byte_offset, Buffer.from('x\n'))).status).toBe(404);
    expect((await call('admin', 'GET', `/api/uploads/${encodeURIComponent(upload.id)}`)).status).toBe(200);
    const mine = (await (await call('tech', 'GET', '/api/uploads')).json()) as { uploads: UploadView[] };
    expect(mine.uploads.some((item) => item.id === upload.id)).toBe(true);
    expect(((await (await call('other', 'GET', '/api/uploads')).json()) as { uploads: UploadView[] }).uploads).toEqual([]);
  });

  it('the same file started again resumes its unfinished upload', async () => {
    const text = csvText(10);
    const header = text.slice(0, text.indexOf('\n'));
    const body = { name: 'same.csv', size: text.length, fingerprint: 'same-file', header, header_bytes: header.length + 1, site: SITE };
    const first = await call('tech', 'POST', '/api/uploads', body);
    expect(first.status).toBe(201);
    const again = await call('tech', 'POST', '/api/uploads', body);
    expect(again.status).toBe(200);
    expect(((await again.json()) as UploadView).id).toBe(((await first.json()) as UploadView).id);
  });
});

describe('the browser uploader against the real server', () => {
  /** Real fetch with the technician's token; `cut` decides, per request, to lose the answer. */
  function network(cut: (url: string, init: RequestInit | undefined, count: number) => 'ok' | 'before' | 'after') {
    let count = 0;
    const requests: string[] = [];
    const fetcher: typeof fetch = async (input, init) => {
      const url = String(input);
      requests.push(`${init?.method ?? 'GET'} ${url}`);
      const fate = cut(url, init, count++);
      if (fate === 'before') throw new TypeError('Failed to fetch');
      const response = await fetch(url, { ...init, headers: { ...(init?.headers as Record<string, string>), authorization: `Bearer ${tokens.tech}` } });
      if (fate === 'after') throw new TypeError('network changed'); // the server did the work; the answer is lost
      return response;
    };
    return { fetcher, requests };
  }

  const worker = () => ({ inspect: inspectCsv, piece: readPiece }) as never;

  async function stored(job: UploadJob): Promise<number> {
    return ((await (await call('tech', 'GET', `/api/uploads/${encodeURIComponent(job.serverId!)}`)).json()) as UploadView).events;
  }

  it('goes on after lost answers and refused connections, and stores every row once', async () => {
    const text = csvText(20_000);
    const file = new File([text], 'cut.csv', { lastModified: 1 });
    const { fetcher, requests } = network((url, init, count) => (init?.method === 'PUT' && count % 3 === 1 ? 'after' : init?.method === 'PUT' && count % 5 === 2 ? 'before' : 'ok'));
    const uploader = new Uploader({ outbox: createStorage({ type: 'memory' }), base: test.server.url, pieceBytes: 64 * 1024, retry: { first: 1, max: 5 }, worker, fetch: fetcher, online: () => true });
    const progress: number[] = [];
    uploader.addEventListener('change', (event) => progress.push((event as CustomEvent<{ job: UploadJob }>).detail?.job.offset ?? -1));
    const inspection = await uploader.inspect(file);
    const job = await uploader.add(file, inspection, { site: SITE });
    const done = (await uploader.settled(job.id))!;
    expect(done.state).toBe('complete');
    expect(requests.filter((request) => request.startsWith('PUT')).length).toBeGreaterThan(Math.ceil(text.length / (64 * 1024)));
    expect(await stored(done)).toBe(20_000);
    expect(progress.filter((offset) => offset > 0).at(-1)).toBe(file.size);
    expect([...progress.filter((offset) => offset > 0)]).toEqual([...progress.filter((offset) => offset > 0)].sort((a, b) => a - b));
  });

  it('offline, keeps the file in the outbox and uploads it from there when the network is back', async () => {
    const outbox = createStorage({ type: 'memory' });
    let online = false;
    const { fetcher } = network(() => 'ok');
    const uploader = new Uploader({ outbox, base: test.server.url, pieceBytes: 32 * 1024, retry: { first: 5, max: 20 }, worker, fetch: fetcher, online: () => online });
    const text = csvText(3000, ';');
    const file = new File([text], 'offline.csv', { lastModified: 2 });
    const job = await uploader.add(file, await uploader.inspect(file), { site: SITE });
    expect(job.stored).toBe(true);
    expect(await outbox.getAttachment(job.id, 'file', { format: 'text' })).toBe(text);
    // A new page (tab closed and opened again) finds the job and its file in the outbox.
    const later = new Uploader({ outbox, base: test.server.url, pieceBytes: 32 * 1024, retry: { first: 5, max: 20 }, worker, fetch: fetcher, online: () => online });
    // The first page's run may still be writing the job's state: poll for it.
    await vi.waitFor(async () => expect((await later.jobs())[0]).toMatchObject({ state: 'waiting', offset: 0 }));
    online = true;
    await later.resumeAll();
    const done = (await later.settled(job.id))!;
    expect(done).toMatchObject({ state: 'complete', stored: false });
    expect(await stored(done)).toBe(3000);
    await expect(outbox.getAttachment(job.id, 'file')).rejects.toThrow(/no attachment/);
    // The first page's run ends too, without storing anything twice.
    expect((await uploader.settled(job.id))?.state).toBe('complete');
    expect(await stored(done)).toBe(3000);
  });

  it('a job whose file was not kept asks for it, and the same file picked again resumes', async () => {
    const outbox = createStorage({ type: 'memory' });
    const text = csvText(5000);
    const file = new File([text], 'resume.csv', { lastModified: 3 });
    let puts = 0;
    const { fetcher } = network((_url, init) => (init?.method === 'PUT' && ++puts > 2 ? 'before' : 'ok'));
    const first = new Uploader({ outbox, base: test.server.url, pieceBytes: 32 * 1024, retry: { first: 5, max: 5 }, worker, fetch: fetcher, online: () => true });
    const job = await first.add(file, await first.inspect(file), { site: SITE });
    while (((await first.jobs())[0]?.offset ?? 0) < 2 * 16 * 1024) await new Promise((resolve) => setTimeout(resolve, 5));
    // The tab closes: a new page has the job but not the file.
    const { fetcher: good } = network(() => 'ok');
    const second = new Uploader({ outbox, base: test.server.url, pieceBytes: 32 * 1024, worker, fetch: good, online: () => true });
    await second.start(job.id);
    const waiting = (await second.jobs()).find((item) => item.id === job.id)!;
    expect(waiting.state).toBe('needs_file');
    expect(waiting.offset).toBeGreaterThan(0);
    await second.add(new File([text], 'resume.csv', { lastModified: 3 }), await second.inspect(file), { site: SITE });
    const done = (await second.settled(job.id))!;
    expect(done.state).toBe('complete');
    expect(await stored(done)).toBe(5000);
  });
});
