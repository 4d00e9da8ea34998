/** Worker entry: runs kernels on chunks transferred to it. Imports core only (no UI). */
import { expose } from 'comlink';
import { KernelError, kernelByName } from '../../core';
import type { KernelWorkerApi } from './kernel-worker-api';

const api: KernelWorkerApi = {
  step(name, params, values, offset) {
    const kernel = kernelByName(name);
    if (!kernel) throw new KernelError(`unknown kernel ${JSON.stringify(name)}`);
    const checked = kernel.params(params);
    return kernel.step(kernel.init(checked), { values, offset }, checked);
  },
};

expose(api);
