// The server's user-kernel threads: a call stuck beyond the sandbox's own limits is ended by the
// hard deadline (the thread terminated, SandboxError 'timeout'), and the next call gets a new thread.
import { describe, expect, it } from 'vitest';
import { SandboxError } from '../../src/compute/isomorphic';
import type { UserKernelDoc } from '../../src/core';
import { SandboxThreads } from '../../src/server/jobs/sandbox-threads';

const kernel: UserKernelDoc = {
  type: 'user_kernel',
  title: 'Stalls at offset 1',
  source: 'function init() { return { n: 0 }; }\nfunction step(s, chunk) { if (chunk.offset === 1) for (;;) {} return { n: s.n + chunk.values.length }; }\nfunction merge(a) { return a; }\nfunction finish(s) { return s; }',
  output: 'result',
  owner: 'eve',
  created_at: 1,
  updated_at: 1,
};

describe('sandbox threads', () => {
  it('terminates a thread whose call overruns the hard deadline and serves the next call from a new one', async () => {
    // The sandbox's own CPU limit (a minute) is made to come after the hard deadline (2 s per chunk, 5 s start).
    const threads = new SandboxThreads({ max: 1, limits: { cpuMsPerCall: 60_000 }, hardMsPerChunk: 2_000, hardStartMs: 20_000 });
    try {
      const failure = await threads.with((client) => client.fold(kernel, { n: 0 }, [{ values: new Float32Array(3), offset: 1 }])).then(
        () => expect.fail('expected the hard deadline'),
        (error: unknown) => error,
      );
      expect(failure).toBeInstanceOf(SandboxError);
      expect((failure as SandboxError).code).toBe('timeout');
      expect((failure as SandboxError).message).toMatch(/did not answer within .* its thread was stopped/);
      expect(threads.terminations).toBe(1);
      const next = await threads.with((client) => client.fold(kernel, { n: 0 }, [{ values: new Float32Array(3), offset: 4 }]));
      expect(next).toEqual({ state: { n: 3 }, blocks: [], result: { n: 3 } });
    } finally {
      threads.close();
    }
  }, 120_000);
});
