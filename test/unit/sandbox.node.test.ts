// The user-kernel sandbox (QuickJS in WebAssembly): what untrusted code can reach (nothing of the
// host), the limits (CPU time per call, memory, stack, state size) and the JSON states.
import { types } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { SandboxError, loadUserKernel, type SandboxLimits, type UserKernel } from '../../src/compute/isomorphic';
import type { UserKernelDoc } from '../../src/core';

const loaded: UserKernel[] = [];
afterEach(() => {
  for (const kernel of loaded.splice(0)) kernel.dispose();
});

function doc(source: string, extra: Partial<UserKernelDoc> = {}): UserKernelDoc {
  return { type: 'user_kernel', title: 'Test', source, output: 'result', owner: 'eng', created_at: 1, updated_at: 1, ...extra };
}

/** A kernel whose init evaluates `expression` (its value is the state). */
async function kernelOf(init: string, limits: Partial<SandboxLimits> = {}, rest = 'function step(s) { return s } function merge(a) { return a } function finish(s) { return s }'): Promise<UserKernel> {
  const kernel = await loadUserKernel(doc(`function init(params) { ${init} }\n${rest}`), limits);
  loaded.push(kernel);
  return kernel;
}

/** The SandboxError `run` throws (fails the test when it does not throw one). */
function sandboxError(run: () => unknown): SandboxError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(SandboxError);
    return error as SandboxError;
  }
  return expect.fail('expected a SandboxError');
}

async function loadError(source: string): Promise<SandboxError> {
  return loadUserKernel(doc(source)).then(
    (kernel) => {
      kernel.dispose();
      return expect.fail('expected the kernel to be refused');
    },
    (error: unknown) => {
      expect(error).toBeInstanceOf(SandboxError);
      return error as SandboxError;
    },
  );
}

/** Every global binding ECMAScript 2025 (with Annex B's escape/unescape) defines. */
const ECMASCRIPT_GLOBALS = new Set([
  'globalThis', 'Infinity', 'NaN', 'undefined', 'eval', 'isFinite', 'isNaN', 'parseFloat', 'parseInt', 'decodeURI', 'decodeURIComponent', 'encodeURI', 'encodeURIComponent', 'escape', 'unescape',
  'AggregateError', 'Array', 'ArrayBuffer', 'BigInt', 'BigInt64Array', 'BigUint64Array', 'Boolean', 'DataView', 'Date', 'Error', 'EvalError', 'Float16Array', 'Float32Array', 'Float64Array', 'Function',
  'Int8Array', 'Int16Array', 'Int32Array', 'Iterator', 'Map', 'Number', 'Object', 'Promise', 'Proxy', 'RangeError', 'ReferenceError', 'RegExp', 'Set', 'String', 'Symbol', 'SyntaxError', 'TypeError',
  'Uint8Array', 'Uint8ClampedArray', 'Uint16Array', 'Uint32Array', 'URIError', 'WeakMap', 'WeakSet', 'JSON', 'Math', 'Reflect',
]);

describe('user-kernel sandbox: nothing of the host is reachable', () => {
  it('has no fetch, require, process, module, console, timers or other host objects', async () => {
    const kernel = await kernelOf(`return [typeof fetch, typeof require, typeof process, typeof module, typeof exports, typeof console, typeof setTimeout, typeof XMLHttpRequest, typeof WebSocket, typeof indexedDB, typeof navigator, typeof self, typeof window, typeof Deno, typeof Bun, typeof std, typeof os, typeof print];`);
    expect(kernel.init({})).toEqual(Array(18).fill('undefined'));
  });

  it('names only ECMAScript built-ins on globalThis (besides its own functions)', async () => {
    // Joined: the names NaN and Infinity are not allowed as strings of a state.
    const kernel = await kernelOf(`return Reflect.ownKeys(globalThis).map(String).filter((key) => !['init', 'step', 'merge', 'finish'].includes(key)).join(',');`);
    const keys = (kernel.init({}) as string).split(',');
    expect(keys.length).toBeGreaterThan(40);
    expect(keys.filter((key) => !ECMASCRIPT_GLOBALS.has(key) && key !== 'Symbol(Symbol.toStringTag)')).toEqual([]);
  });

  it('refuses import declarations, and import() reaches no module', async () => {
    expect((await loadError(`import fs from 'node:fs';\nfunction init() {} function step() {} function merge() {} function finish() {}`)).code).toBe('syntax');
    // import() gives a promise the sandbox never settles (no module loader, no job queue run):
    // what the kernel can keep of it is not data.
    const kernel = await kernelOf(`const p = import('node:fs'); return { promise: p instanceof Promise, fs: typeof p.readFileSync };`);
    expect(kernel.init({})).toEqual({ promise: true, fs: 'undefined' });
    const kept = await kernelOf(`return { module: import('node:fs') };`);
    const error = sandboxError(() => kept.init({}));
    expect(error.code).toBe('bad_state');
    expect(error.message).toMatch(/a Promise/);
  });

  it('gives the Function constructor and eval only the sandbox itself', async () => {
    const kernel = await kernelOf(`
      const global = Function('return this')();
      const viaConstructor = (function () {}).constructor('return typeof process + "/" + typeof require')();
      let escaped;
      try { escaped = Function('return globalThis.constructor.constructor("return process")()')(); } catch (error) { escaped = error.name + ': ' + error.message; }
      return { same: global === globalThis, viaConstructor, escaped, evaluated: (0, eval)('typeof fetch') };`);
    expect(kernel.init({})).toEqual({ same: true, viaConstructor: 'undefined/undefined', escaped: "ReferenceError: 'process' is not defined", evaluated: 'undefined' });
  });

  it('keeps the built-ins frozen, so a kernel cannot pollute them for later calls', async () => {
    const kernel = await kernelOf(
      `try { Object.prototype.polluted = 1; } catch (error) {} try { Array.prototype.map = null; } catch (error) {} try { JSON.stringify = () => '{}'; } catch (error) {} return { a: 1 };`,
      {},
      'function step(s) { return { polluted: ({}).polluted === undefined ? "no" : "yes", map: typeof [].map } } function merge(a) { return a } function finish(s) { return s }',
    );
    expect(kernel.init({})).toEqual({ a: 1 });
    expect(kernel.step({}, { values: new Float32Array(1), offset: 0 }, {})).toEqual({ polluted: 'no', map: 'function' });
  });

  it('returns prototype keys as plain data: nothing reaches the host prototypes', async () => {
    const kernel = await kernelOf(`return JSON.parse('{"__proto__": {"polluted": true}, "constructor": {"prototype": {"polluted": true}}}');`);
    const state = kernel.init({}) as Record<string, unknown>;
    expect(Object.getPrototypeOf(state)).toBe(Object.prototype);
    expect(Object.getOwnPropertyNames(state).sort()).toEqual(['__proto__', 'constructor']);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect((Object.prototype as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('turns a getter or a Proxy in the returned state into data inside the sandbox (no host code runs, no Proxy comes out)', async () => {
    const kernel = await kernelOf(`
      let calls = 0;
      const proxy = new Proxy({ inner: 1 }, { get(target, key) { calls++; return key === 'inner' ? 2 : undefined; } });
      return { get x() { calls++; return 41 + calls; }, proxy };`);
    const state = kernel.init({}) as { x: unknown; proxy: unknown };
    expect(state).toEqual({ x: 42, proxy: { inner: 2 } });
    expect(Object.getOwnPropertyDescriptor(state, 'x')).toEqual({ value: 42, writable: true, enumerable: true, configurable: true });
    expect(types.isProxy(state) || types.isProxy(state.proxy)).toBe(false);
  });

  it('refuses what is not JSON data in a state or result, naming it', async () => {
    const map = await kernelOf('return { m: new Map() };');
    expect(sandboxError(() => map.init({})).message).toMatch(/plain objects and arrays.*a Map/);
    const nothing = await kernelOf('return { a: 1 };', {}, 'function step(s) { s.a++ } function merge(a) { return a } function finish(s) { return () => 1 }');
    const undefinedState = sandboxError(() => nothing.step({ a: 1 }, { values: new Float32Array(2), offset: 0 }, {}));
    expect(undefinedState.code).toBe('bad_state');
    expect(undefinedState.message).toMatch(/step returned undefined: return the state/);
    const fn = sandboxError(() => nothing.finish({ a: 1 }, {}));
    expect(fn.code).toBe('bad_result');
    const reserved = await kernelOf(`return { label: 'NaN' };`);
    expect(sandboxError(() => reserved.init({})).message).toMatch(/stand for non-finite numbers/);
  });

  it('keeps non-finite numbers of a state (core encodeState format) and passes the chunk as typed arrays', async () => {
    const kernel = await kernelOf(
      'return { nan: NaN, up: Infinity, down: -Infinity, n: 0 };',
      {},
      'function step(s, chunk) { return { ...s, n: s.n + chunk.values.length, kind: chunk.values.constructor.name + "/" + chunk.times.constructor.name, first: chunk.values[0], t: chunk.times[0], offset: chunk.offset, nanKept: Number.isNaN(s.nan) } } function merge(a) { return a } function finish(s) { return s }',
    );
    const state = kernel.init({});
    expect(state).toEqual({ nan: Number.NaN, up: Infinity, down: -Infinity, n: 0 });
    const values = new Float32Array([1.5, 2, 3]);
    const next = kernel.step(state, { values: values.subarray(1), times: new Float64Array([10, 20]), offset: 7 }, {});
    expect(next).toEqual({ nan: Number.NaN, up: Infinity, down: -Infinity, n: 2, kind: 'Float32Array/Float64Array', first: 2, t: 10, offset: 7, nanKept: true });
  });

  it('has no clock and no randomness (results must not depend on where or when a kernel runs); dates of given times work', async () => {
    const random = await kernelOf('return Math.random();');
    expect(sandboxError(() => random.init({})).message).toMatch(/Math.random is not available/);
    const now = await kernelOf('return Date.now();');
    expect(sandboxError(() => now.init({})).message).toMatch(/current time is not available/);
    const fresh = await kernelOf('return new Date().getTime();');
    expect(sandboxError(() => fresh.init({})).code).toBe('runtime');
    const given = await kernelOf('return [new Date(86_400_000).getUTCDate(), Date.UTC(2026, 0, 1), new Date(0) instanceof Date];');
    expect(given.init({})).toEqual([2, 1_767_225_600_000, true]);
  });
});

describe('user-kernel sandbox: limits', () => {
  it("stops an endless loop with 'timeout' naming the limit, even inside try/catch, and runs again afterwards", async () => {
    const kernel = await kernelOf('return { n: 0 };', { cpuMsPerCall: 200 }, 'function step(s, chunk) { if (chunk.offset === 1) { for (;;) { try { for (;;) {} } catch (e) {} } } return { n: s.n + 1 } } function merge(a) { return a } function finish(s) { return s }');
    const state = kernel.init({});
    const error = sandboxError(() => kernel.step(state, { values: new Float32Array(1), offset: 1 }, {}));
    expect(error.code).toBe('timeout');
    expect(error.message).toMatch(/longer than 200 ms in one call/);
    expect(kernel.step(state, { values: new Float32Array(1), offset: 2 }, {})).toEqual({ n: 1 });
  });

  it('stops an endless loop at the top of the source', async () => {
    const error = await loadUserKernel(doc('for (;;) {}\nfunction init() {} function step() {} function merge() {} function finish() {}'), { cpuMsPerCall: 200 }).then(
      () => expect.fail('expected a timeout'),
      (failure: unknown) => failure as SandboxError,
    );
    expect(error.code).toBe('timeout');
  });

  it.each([
    ['new Array(1e9).fill(0)', 'new Array(1e9).fill(0); return 1;'],
    ["'x'.repeat(2 ** 30)", "return 'x'.repeat(2 ** 30).length;"],
    ['a 2 GiB ArrayBuffer', 'return new ArrayBuffer(2 ** 31).byteLength;'],
    ['a 100 MB ArrayBuffer', 'return new ArrayBuffer(1e8).byteLength;'],
    ['a growing list of arrays', 'const all = []; for (;;) all.push(new Float64Array(1e5));'],
    ['a doubling string', "let s = 'x'; for (;;) s += s;"],
  ])("refuses a huge allocation (%s) with 'memory'", async (_name, body) => {
    const kernel = await kernelOf(body);
    const error = sandboxError(() => kernel.init({}));
    expect(error.code).toBe('memory');
    expect(error.message).toMatch(/memory|allocation refused/);
    // The next call gets a fresh heap.
    expect(sandboxError(() => kernel.init({})).code).toBe('memory');
  });

  it('stops deep recursion with a stack overflow error', async () => {
    const kernel = await kernelOf('const deeper = (n) => deeper(n + 1) + 1; return deeper(0);');
    const error = sandboxError(() => kernel.init({}));
    expect(error.code).toBe('memory');
    expect(error.message).toMatch(/stack overflow/);
  });

  it("refuses a state nested too deep for the stack with 'memory', never crashing the host", async () => {
    // Depending on the host's stack, QuickJS's own check or the host's RangeError comes first;
    // either way it is a SandboxError, and the host goes on.
    const kernel = await kernelOf('return JSON.parse("[".repeat(1e5) + "]".repeat(1e5));');
    const error = sandboxError(() => kernel.init({}));
    expect(error.code).toBe('memory');
    expect(error.message).toMatch(/stack overflow/);
    const fresh = await kernelOf('return { ok: true };');
    expect(fresh.init({})).toEqual({ ok: true });
  });

  it('refuses a state or result over the JSON size limit', async () => {
    const kernel = await kernelOf("return { big: 'y'.repeat(5000) };", { jsonChars: 4096 });
    const error = sandboxError(() => kernel.init({}));
    expect(error.code).toBe('bad_state');
    expect(error.message).toMatch(/at most 4096 are kept/);
  });

  it("reports the kernel's own exceptions as 'runtime' with the message", async () => {
    const kernel = await kernelOf("throw new TypeError('no good');");
    const error = sandboxError(() => kernel.init({}));
    expect(error.code).toBe('runtime');
    expect(error.message).toMatch(/TypeError: no good/);
    const odd = await kernelOf("throw { get message() { for (;;) {} } };", { cpuMsPerCall: 200 });
    expect(sandboxError(() => odd.init({})).code).toBe('timeout');
  });
});
