/** Worker entry: runs kernels on chunks transferred to it. Imports core only (no UI). */
import { expose, transfer } from 'comlink';
import { KernelError, kernelByName, scoreAnomaly } from '../../core';
import type { KernelWorkerApi } from './kernel-worker-api';

const api: KernelWorkerApi = {
  step(name, params, values, offset, times) {
    const kernel = kernelByName(name);
    if (!kernel) throw new KernelError(`unknown kernel ${JSON.stringify(name)}`);
    const checked = kernel.params(params);
    return kernel.step(kernel.init(checked), times === undefined ? { values, offset } : { values, offset, times }, checked);
  },
  anomaly(state, times, values, params) {
    const result = scoreAnomaly(state, times, values, params);
    // The scores are this worker's own: moved back, not copied.
    return transfer(result, [result.scores.buffer as ArrayBuffer]);
  },
};

expose(api);
