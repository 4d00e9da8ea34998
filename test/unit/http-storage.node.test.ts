// The storage conformance suite through the browser library's `http` storage against a real
// running companion server (HTTP, auth, JSON, Range), one fresh server per test.
import { describe } from 'vitest';
import { createStorage, registerStorage, type Storage } from '../../src/storage';
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
  }, ['list', 'query', 'sort', 'limit', 'select', 'include', 'post', 'changes', 'range']);
}

registerStorage('http-test-server', (description) => serverBacked(String(description.dir)));

describe('http storage against a running server', () => {
  storageConformance({ name: 'http → server (sqlite)', persistent: true, description: () => ({ type: 'http-test-server', dir: makeTempDir('fieldline-http-') }) });
});
