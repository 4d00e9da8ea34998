/**
 * User kernels on the device, in a dedicated worker (never on the page's thread): the same
 * QuickJS build and fold as the server's, so results match. A call that overruns its hard
 * deadline terminates the worker (SandboxError 'timeout'); the next call starts a new one.
 */
import type { SandboxLimits } from './quickjs-sandbox';
import { SandboxClient, type SandboxClientOptions, type SandboxPort, type SandboxReply } from './sandbox-service';

/** A browser Worker behind the SandboxPort the client speaks to. */
function workerPort(limits: Partial<SandboxLimits>): SandboxPort {
  const worker = new Worker(new URL('./user-kernel.worker.ts', import.meta.url), { type: 'module', name: 'fieldline-user-kernels' });
  worker.postMessage({ op: 'configure', limits });
  return {
    post: (request, transfer) => worker.postMessage(request, transfer),
    listen(listener) {
      worker.addEventListener('message', (event: MessageEvent<SandboxReply>) => listener(event.data));
      worker.addEventListener('error', (event) => {
        event.preventDefault();
        listener(new Error(`the user-kernel worker failed: ${event.message}`));
      });
    },
    terminate: () => worker.terminate(),
  };
}

/** Runs user kernels in a dedicated worker (a UserKernelExecutor for the TransformationRunner). */
export class WorkerUserKernelRunner extends SandboxClient {
  constructor(options: SandboxClientOptions = {}) {
    super(workerPort, options);
  }
}
