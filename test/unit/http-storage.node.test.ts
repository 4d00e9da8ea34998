// The storage conformance suite through the browser library's `http` storage against a real
// running companion server (HTTP, auth, JSON, Range), one fresh server per test.
import { describe } from 'vitest';
import { createStorage, registerStorage, type Storage } from '../../src/storage';
import { storageConformance } from '../conformance/storage-conformance';
import { makeTempDir } from '../support/temp-dir';
import { ADMIN_PASSWORD, startTestServer, type TestServer } from '../support/server-session';

/** An http storage on a server started on first use over `dataDir`; destroy stops it and deletes the data. */
function serverBacked(dataDir: string): Storage {
  const started: Promise<{ server: TestServer; storage: Storage }> = startTestServer({}, dataDir).then(async (server) => {
    const token = await server.login('admin', ADMIN_PASSWORD);
    return { server, storage: createStorage({ type: 'http', url: server.server.url, token }) };
  });
  const call =
    <K extends keyof Storage>(name: K) =>
    async (...args: unknown[]) => {
      const { storage } = await started;
      return (storage[name] as (...values: unknown[]) => unknown).apply(storage, args);
    };
  return {
    get: call('get'),
    put: call('put'),
    post: call('post'),
    remove: call('remove'),
    allDocs: call('allDocs'),
    putAttachment: call('putAttachment'),
    getAttachment: call('getAttachment'),
    removeAttachment: call('removeAttachment'),
    allAttachments: call('allAttachments'),
    changes: call('changes'),
    repair: call('repair'),
    hasCapacity: (name: string) => ['list', 'query', 'sort', 'limit', 'select', 'include', 'post', 'changes', 'range'].includes(name),
    async close() {
      const { server, storage } = await started;
      await storage.close();
      await server.stop(true);
    },
    async destroy() {
      const { server } = await started;
      await server.stop(false);
    },
  } as Storage;
}

registerStorage('http-test-server', (description) => serverBacked(String(description.dir)));

describe('http storage against a running server', () => {
  storageConformance({ name: 'http → server (sqlite)', persistent: true, description: () => ({ type: 'http-test-server', dir: makeTempDir('fieldline-http-') }) });
});
