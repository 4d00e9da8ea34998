// The storage conformance suite through the browser library's `http` storage against a real
// running companion server (HTTP, auth, JSON, Range), one fresh server per test.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createStorage, registerStorage, StorageError, type Storage } from '../../src/storage';
import type { SqliteStore } from '../../src/server';
import { storageConformance } from '../conformance/storage-conformance';
import { makeTempDir } from '../support/temp-dir';
import { ADMIN_PASSWORD, startTestServer, type TestServer } from '../support/server-session';
import { deferredStorage } from '../support/deferred-storage';

/** An http storage on a server started on first use over `dataDir`; destroy stops it and deletes the data. */
function serverBacked(dataDir: string): Storage {
  return deferredStorage(async () => {
    const server: TestServer = await startTestServer({}, dataDir);
    const token = await server.login('admin', ADMIN_PASSWORD);
    const storage = createStorage({ type: 'http', url: server.server.url, token });
    return {
      storage,
      close: async () => {
        await storage.close();
        await server.stop(true);
      },
      destroy: () => server.stop(false),
    };
  }, ['list', 'query', 'sort', 'limit', 'select', 'include', 'post', 'changes', 'range', 'bulk_docs', 'digest', 'attachment_expect']);
}

registerStorage('http-test-server', (description) => serverBacked(String(description.dir)));

describe('http storage against a running server', () => {
  storageConformance({ name: 'http → server (sqlite)', persistent: true, description: () => ({ type: 'http-test-server', dir: makeTempDir('fieldline-http-') }) });
});

describe("the server's own out of space", () => {
  it('is server_out_of_space through the http storage, not the device quota_exceeded (507 either way)', async () => {
    const server = await startTestServer();
    try {
      const token = await server.login('admin', ADMIN_PASSWORD);
      const storage = createStorage({ type: 'http', url: server.server.url, token });
      await storage.put('report', { type: 'report' });
      const db = (server.server.store as SqliteStore).driver.db;
      // A real limit of the database file, a few pages over what it has: SQLITE_FULL, as a full disk gives.
      db.pragma(`max_page_count = ${Number(db.pragma('page_count', { simple: true })) + 4}`);
      const error = await storage.putAttachment('report', 'scan.bin', new Uint8Array(512 * 1024).fill(7)).then(
        () => undefined,
        (failure: unknown) => failure as StorageError,
      );
      expect(error).toBeInstanceOf(StorageError);
      expect(error).toMatchObject({ code: 'server_out_of_space', status: 507 });
      expect(error!.message).toContain('out of storage space');
    } finally {
      await server.stop();
    }
  });
});

describe('http storage bulkDocs over several requests', () => {
  /** An http storage whose server answers every write ok, and fails from request number `failFrom` on. */
  function storageFailingFrom(failFrom: number): { storage: Storage; sizes: number[] } {
    const sizes: number[] = [];
    vi.stubGlobal('fetch', async (_url: string, init: RequestInit) => {
      const { docs } = JSON.parse(String(init.body)) as { docs: Array<{ id: string }> };
      if (sizes.push(docs.length) > failFrom) throw new TypeError('network down');
      return Response.json({ results: docs.map(({ id }) => ({ id, ok: true })) });
    });
    return { storage: createStorage({ type: 'http', url: 'http://fieldline.test' }), sizes };
  }

  afterEach(() => {
    vi.unstubAllGlobals();
  });

  const writes = Array.from({ length: 4500 }, (_, index) => ({ id: `doc-${index}`, doc: { index } }));

  it('sends at most 2000 writes per request; when a later request fails, its writes and the rest get its error', async () => {
    const { storage, sizes } = storageFailingFrom(1);
    const results = await storage.bulkDocs!(writes);
    expect(sizes).toEqual([2000, 2000]);
    expect(results.slice(0, 2000).every((result) => result.ok)).toBe(true);
    expect(results.slice(2000).map((result) => (result.ok ? 'ok' : `${result.status} ${result.code}`))).toEqual(Array(2500).fill('503 unavailable'));
    expect(results[4499]!.id).toBe('doc-4499');
  });

  it('rejects when the first request fails (nothing took effect), and never sends a document JSON would change', async () => {
    await expect(storageFailingFrom(0).storage.bulkDocs!(writes)).rejects.toMatchObject({ status: 503 });
    const { storage, sizes } = storageFailingFrom(10);
    const results = await storage.bulkDocs!([{ id: 'nan', doc: { v: Number.NaN } }, { id: 'fine', doc: { v: 1 } }]);
    expect(results.map((result) => result.ok)).toEqual([false, true]);
    expect(sizes).toEqual([1]);
  });
});
