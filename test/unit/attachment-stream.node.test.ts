// Large attachments are served piece by piece (each 1 MiB piece read in its own transaction, as the
// client takes them), so a download holds neither the whole attachment in memory nor the database;
// the bytes stay exact, whole and by range, and a document that changes half way through a download
// fails it instead of mixing two versions (regression: a GET read up to 256 MiB whole, several
// copies of it, before the first byte went out).
import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SqliteStore } from '../../src/server';
import { StorageError } from '../../src/storage';
import { ADMIN_PASSWORD, apiCaller, startTestServer, type TestServer } from '../support/server-session';

const MiB = 1024 * 1024;
let test: TestServer;
const tokens: Record<string, string | undefined> = {};
const call = apiCaller(() => test, tokens);

/** Byte i of a test attachment: a pattern that shows shifted or swapped pieces. */
function pattern(size: number, seed: number): Uint8Array {
  const bytes = new Uint8Array(size);
  for (let index = 0; index < size; index++) bytes[index] = (index * 31 + (index >>> 12) + seed) & 0xff;
  return bytes;
}

/** Byte-for-byte equality without a per-element diff of megabytes. */
const same = (a: Uint8Array, b: Uint8Array): boolean => Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));

beforeAll(async () => {
  test = await startTestServer();
  tokens.admin = await test.login('admin', ADMIN_PASSWORD);
  expect((await call('admin', 'PUT', '/api/docs/scan', { type: 'inspection' })).status).toBe(200);
});

afterAll(async () => {
  await test.stop();
});

describe('large attachments are streamed', () => {
  it('whole and by range, exactly, with the length announced', async () => {
    const bytes = pattern(5.5 * MiB, 3);
    expect((await call('admin', 'PUT', '/api/docs/scan/attachments/scan.bin', bytes)).status).toBe(204);
    const whole = await call('admin', 'GET', '/api/docs/scan/attachments/scan.bin');
    expect(whole.headers.get('content-length')).toBe(String(bytes.length));
    expect(same(new Uint8Array(await whole.arrayBuffer()), bytes)).toBe(true);
    const part = await call('admin', 'GET', '/api/docs/scan/attachments/scan.bin', undefined, { range: 'bytes=1048000-3146000' });
    expect(part.status).toBe(206);
    expect(same(new Uint8Array(await part.arrayBuffer()), bytes.subarray(1_048_000, 3_146_001))).toBe(true);
  });

  it('the store reads one piece per transaction and refuses to go on once the document changed (409)', async () => {
    const documents = (test.server.store as SqliteStore).documents;
    await documents.putAttachment('scan', 'big.bin', pattern(3 * MiB + 5, 7));
    const sizes: number[] = [];
    for await (const piece of documents.attachmentPieces('scan', 'big.bin', 10, 3 * MiB + 5)) sizes.push(piece.length);
    expect(sizes).toEqual([MiB - 10, MiB, MiB, 5]);
    const pieces = documents.attachmentPieces('scan', 'big.bin', 0, 3 * MiB);
    expect((await pieces.next()).value).toHaveLength(MiB);
    await documents.putAttachment('scan', 'big.bin', pattern(3 * MiB, 9));
    const error = await pieces.next().then(
      () => undefined,
      (failure: unknown) => failure as StorageError,
    );
    expect(error).toBeInstanceOf(StorageError);
    expect(error?.status).toBe(409);
  });

  it('a download during which the document changes ends short of its length instead of mixing versions', async () => {
    const size = 32 * MiB;
    const before = pattern(size, 11);
    expect((await call('admin', 'PUT', '/api/docs/scan/attachments/huge.bin', before)).status).toBe(204);
    const url = new URL(`${test.server.url}/api/docs/scan/attachments/huge.bin`);
    const outcome = await new Promise<{ announced: number; received: Buffer; complete: boolean }>((resolve, reject) => {
      http
        .get(url, { headers: { authorization: `Bearer ${tokens.admin}` } }, (response) => {
          const chunks: Buffer[] = [];
          let changed = false;
          response.on('data', (chunk: Buffer) => {
            chunks.push(chunk);
            if (changed) return;
            // The first bytes are here: hold the download, rewrite the attachment, then go on.
            changed = true;
            response.pause();
            void call('admin', 'PUT', '/api/docs/scan/attachments/huge.bin', pattern(size, 13)).then(() => response.resume(), reject);
          });
          response.on('close', () => resolve({ announced: Number(response.headers['content-length']), received: Buffer.concat(chunks), complete: response.complete }));
        })
        .on('error', reject);
    });
    expect(outcome.announced).toBe(size);
    expect(outcome.complete).toBe(false);
    expect(outcome.received.length).toBeLessThan(size);
    // What did arrive is the first version only.
    expect(same(outcome.received, before.subarray(0, outcome.received.length))).toBe(true);
  }, 60_000);
});
