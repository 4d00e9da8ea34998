/** What a kernel worker offers through comlink (the same folding the CPU engine does). */
export interface KernelWorkerApi {
  /** Folds `values` (sample numbers from `offset`) into a fresh state of kernel `name`. */
  step(name: string, params: unknown, values: Float32Array, offset: number): unknown;
}
