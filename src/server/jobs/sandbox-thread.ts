/**
 * A worker thread that runs user kernels (QuickJS sandbox) for the transformation routes, so a
 * kernel's calls never run on the server's event loop. It holds no database connection: the
 * route reads the arrays and sends the chunks.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { sandboxService, type SandboxRequest, type SandboxLimits } from '../../compute/isomorphic';

const service = sandboxService((workerData as { limits?: Partial<SandboxLimits> } | undefined)?.limits ?? {});
parentPort?.on('message', (request: SandboxRequest) => {
  void service.handle(request).then((reply) => parentPort?.postMessage(reply));
});
