/**
 * Worker entry: runs user kernels in the QuickJS sandbox for WorkerUserKernelRunner. Imports
 * compute/sandbox and core only (no UI). The first message configures the limits.
 */
import { sandboxService, type SandboxRequest } from './sandbox-service';
import type { SandboxLimits } from './quickjs-sandbox';

let service = sandboxService();

addEventListener('message', (event: MessageEvent<SandboxRequest | { op: 'configure'; limits: Partial<SandboxLimits> }>) => {
  const message = event.data;
  if (message.op === 'configure') {
    service.dispose();
    service = sandboxService(message.limits);
    return;
  }
  void service.handle(message).then((reply) => postMessage(reply));
});
