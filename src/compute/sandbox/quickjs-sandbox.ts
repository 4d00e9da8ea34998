/**
 * A user kernel in a QuickJS sandbox (QuickJS compiled to WebAssembly, the release-sync build:
 * the same wasm in Node and in a browser worker, so results match bit for bit). Runs anywhere:
 * this module touches no DOM and no Node API.
 *
 * Nothing of the host is given to the kernel: the context holds only ECMAScript's built-ins
 * (locked down, see sandbox-prelude.ts) and, during a call, the copy of one chunk's values
 * (Float32Array) and times (Float64Array). States and results cross as JSON strings, parsed on
 * the host with JSON.parse, so what comes out is plain data whatever the code did (no getter,
 * Proxy or prototype of the VM reaches the host). Limits: memory (runtime.setMemoryLimit), stack
 * (setMaxStackSize), CPU time per call (an interrupt handler with a deadline), and the size of a
 * state or result (jsonChars). A kernel is compiled once; after a timeout or an allocation
 * refused, its context is thrown away and compiled again on the next call (nothing of the failed
 * call survives).
 */
import { newQuickJSWASMModuleFromVariant, newVariant, type QuickJSContext, type QuickJSHandle, type QuickJSRuntime, type QuickJSWASMModule } from 'quickjs-emscripten-core';
import variant from '@jitl/quickjs-wasmfile-release-sync';
import { decodeState, encodeState, userKernelProblem, type Chunk, type Kernel, type UserKernelDoc } from '../../core';
import { SANDBOX_PRELUDE } from './sandbox-prelude';
import { SandboxError } from './sandbox-error';

export interface SandboxLimits {
  /** Memory of the kernel's heap (QuickJS runtime), bytes: the sandbox's wasm memory is capped at 16 MiB plus this. */
  memoryBytes: number;
  /** CPU time of one call (compile, init, a chunk's step, merge, finish), ms. */
  cpuMsPerCall: number;
  /** The kernel's stack, bytes. */
  stackBytes: number;
  /** Longest state or result, as JSON characters. */
  jsonChars: number;
}

/**
 * The limits a kernel runs under unless told otherwise. The stack is 256 KiB, not more: each
 * QuickJS call also takes host (wasm) stack, and at 448 KiB a plain recursion overflowed Node's
 * own stack before QuickJS's check (caught too, see #hostStackOverflow, but QuickJS's own error
 * keeps the sandbox usable).
 */
export const defaultSandboxLimits: Readonly<SandboxLimits> = Object.freeze({
  memoryBytes: 32 * 1024 * 1024,
  cpuMsPerCall: 1000,
  stackBytes: 256 * 1024,
  jsonChars: 1024 * 1024,
});

/** Bounds within which a caller may set limits (a limit of 0 or 10 GiB is a mistake). */
const LIMIT_RANGES: Record<keyof SandboxLimits, [number, number]> = {
  memoryBytes: [1024 * 1024, 1024 * 1024 * 1024],
  cpuMsPerCall: [1, 600_000],
  stackBytes: [16 * 1024, 8 * 1024 * 1024],
  jsonChars: [1024, 64 * 1024 * 1024],
};

/** `limits` over the defaults, each checked (RangeError naming the limit). */
export function sandboxLimits(limits: Partial<SandboxLimits> = {}): SandboxLimits {
  const all = { ...defaultSandboxLimits, ...limits };
  for (const [name, [min, max]] of Object.entries(LIMIT_RANGES) as Array<[keyof SandboxLimits, [number, number]]>) {
    const value = all[name];
    if (!Number.isInteger(value) || value < min || value > max) throw new RangeError(`sandbox limit ${name} must be an integer from ${min} to ${max} (got ${String(value)})`);
  }
  return all;
}

/** The Memory constructor (the server's TypeScript libraries do not declare WebAssembly; Node and browsers have it). */
const wasmMemory = (globalThis as unknown as { WebAssembly: { Memory: new (descriptor: { initial: number; maximum: number }) => unknown } }).WebAssembly.Memory;
type WasmMemoryOption = NonNullable<Parameters<typeof newVariant>[1]['wasmMemory']>;

const KiB = 1024;
const WASM_PAGE = 65_536;
/** The pages the QuickJS build starts with (16 MiB: its static data and stack); the kernel's heap comes on top. */
const WASM_BASE_PAGES = 256;
/** Time the prelude may take (it freezes every intrinsic: a few ms, much more on a loaded machine). */
const PRELUDE_MS = 30_000;
const MiB = 1024 * 1024;

/** A QuickJS error as the host sees it: its name and message, and whether the deadline had passed. */
function classify(name: string, message: string, where: string, limits: SandboxLimits, phase: 'compile' | 'call'): SandboxError {
  const at = where ? ` (${where})` : '';
  if (/out of memory|string too long/i.test(message)) return new SandboxError('memory', `the kernel needed more memory than its limit of ${limits.memoryBytes / MiB} MiB${at}`);
  if (/stack overflow/i.test(message)) return new SandboxError('memory', `stack overflow: the kernel recursed deeper than its ${limits.stackBytes / KiB} KiB stack allows${at}`);
  if (name === 'RangeError' && /invalid (string|array|array buffer|typed array) length/i.test(message)) {
    return new SandboxError('memory', `allocation refused: ${message} (the kernel's memory limit is ${limits.memoryBytes / MiB} MiB)${at}`);
  }
  if (phase === 'compile' && name === 'SyntaxError') return new SandboxError('syntax', `the source does not compile: ${message}${at}`);
  return new SandboxError('runtime', `${name}: ${message}${at}`);
}

/** What the prelude's driver returns: 'R' + JSON, or 'E' + {code, message} / {code: 'thrown', name, message, where}. */
interface Failure {
  code: string;
  message: string;
  name?: string;
  where?: string;
}

/** One compiled kernel in its own QuickJS runtime. Synchronous calls (the release-sync build). */
export class QuickJSSandbox {
  readonly #module: QuickJSWASMModule;
  readonly #doc: UserKernelDoc;
  readonly #limits: SandboxLimits;
  #runtime: QuickJSRuntime | undefined;
  #context: QuickJSContext | undefined;
  #driver: QuickJSHandle | undefined;
  #deadline = 0;
  #interrupted = false;
  /** Set when the host's own stack overflowed inside the wasm: the module may be inconsistent, so it is never used again. */
  #broken: string | undefined;
  /** How long the last start's prelude (lockdown) took, ms. */
  preludeMs = 0;

  private constructor(module: QuickJSWASMModule, doc: UserKernelDoc, limits: SandboxLimits) {
    this.#module = module;
    this.#doc = doc;
    this.#limits = limits;
  }

  /** Compiles `doc`'s source in a new sandbox (SandboxError 'syntax' when it does not compile or lacks a function). */
  static async create(doc: UserKernelDoc, limits: Partial<SandboxLimits> = {}): Promise<QuickJSSandbox> {
    const problem = userKernelProblem(doc);
    if (problem) throw new SandboxError('syntax', `not a user kernel: ${problem}`);
    const checked = sandboxLimits(limits);
    // A module (wasm instance) per kernel: one kernel's heap is never another's. Its memory has a
    // maximum: this QuickJS build cannot measure freed blocks (no malloc_usable_size), so its own
    // limit catches only single allocations over it; the wasm maximum stops any growth.
    const memory = new wasmMemory({ initial: WASM_BASE_PAGES, maximum: WASM_BASE_PAGES + Math.ceil(checked.memoryBytes / WASM_PAGE) }) as WasmMemoryOption;
    const sandbox = new QuickJSSandbox(await newQuickJSWASMModuleFromVariant(newVariant(variant, { wasmMemory: memory })), doc, checked);
    try {
      sandbox.#open();
    } catch (error) {
      sandbox.close();
      throw error;
    }
    return sandbox;
  }

  get limits(): Readonly<SandboxLimits> {
    return this.#limits;
  }

  #open(): void {
    if (this.#broken) throw new SandboxError('runtime', `this sandbox stopped after ${this.#broken}: load the kernel again`);
    const runtime = this.#module.newRuntime();
    this.#runtime = runtime;
    runtime.setMemoryLimit(this.#limits.memoryBytes);
    runtime.setMaxStackSize(this.#limits.stackBytes);
    runtime.setInterruptHandler(() => {
      if (Date.now() <= this.#deadline) return false;
      this.#interrupted = true;
      return true;
    });
    const context = runtime.newContext();
    this.#context = context;
    // The prelude is ours, not the kernel's: it gets time enough on a busy machine.
    this.#arm(PRELUDE_MS);
    const started = Date.now();
    const prelude = context.evalCode(`${SANDBOX_PRELUDE}(${this.#limits.jsonChars})`, 'fieldline-prelude.js');
    if (prelude.error) {
      const dumped = context.dump(prelude.error) as { message?: unknown };
      prelude.error.dispose();
      this.close();
      throw new SandboxError('runtime', `the sandbox could not start: ${String(dumped.message)}`);
    }
    this.#driver = prelude.value;
    this.preludeMs = Date.now() - started;
    this.#invoke('compile', 'compile', () => [context.newString(this.#doc.source), context.newString(JSON.stringify(this.#doc.params ?? {}))]);
  }

  #arm(ms = this.#limits.cpuMsPerCall): void {
    this.#interrupted = false;
    this.#deadline = Date.now() + ms;
  }

  /** Calls the driver's `method` with the handles `args` makes; the JSON it returns (or a SandboxError). */
  #invoke(method: string, phase: 'compile' | 'call', args: () => QuickJSHandle[]): string {
    if (!this.#context) this.#open();
    const context = this.#context!;
    const driver = this.#driver!;
    const handles = args();
    let text: string;
    try {
      this.#arm();
      const fn = context.getProp(driver, method);
      let result;
      try {
        result = context.callFunction(fn, driver, ...handles);
      } finally {
        fn.dispose();
      }
      if (result.error) {
        const interrupted = this.#interrupted;
        const dumped = (interrupted ? {} : context.dump(result.error)) as { name?: unknown; message?: unknown };
        result.error.dispose();
        throw interrupted
          ? new SandboxError('timeout', `the kernel ran longer than ${this.#limits.cpuMsPerCall} ms in one call (${method}): the limit of CPU time per call`)
          : classify(String(dumped.name ?? 'Error'), String(dumped.message ?? ''), '', this.#limits, phase);
      }
      text = context.typeof(result.value) === 'string' ? context.getString(result.value) : '';
      result.value.dispose();
    } catch (error) {
      for (const handle of handles) if (handle.alive) handle.dispose();
      if (error instanceof SandboxError) {
        if (error.code === 'timeout' || error.code === 'memory') this.close();
        throw error;
      }
      if (error instanceof RangeError) throw this.#hostStackOverflow(error);
      throw error;
    }
    for (const handle of handles) handle.dispose();
    if (text.startsWith('R')) {
      if (text.length > this.#limits.jsonChars + 1) throw new SandboxError(phase === 'call' && method === 'finish' ? 'bad_result' : 'bad_state', `the kernel returned more than ${this.#limits.jsonChars} characters of JSON`);
      return text.slice(1);
    }
    let failure: Failure;
    try {
      failure = JSON.parse(text.slice(1)) as Failure;
    } catch {
      failure = { code: 'runtime', message: 'the kernel ended without an answer' };
    }
    if (failure.code === 'thrown') {
      // An error the kernel's code threw or caused; "interrupted" cannot be caught, so it is not here.
      const error = classify(String(failure.name), String(failure.message), String(failure.where ?? ''), this.#limits, phase);
      if (error.code === 'memory') this.close();
      throw error;
    }
    const code = failure.code === 'syntax' || failure.code === 'bad_state' || failure.code === 'bad_result' ? failure.code : 'runtime';
    throw new SandboxError(code, String(failure.message));
  }

  /**
   * The host's stack ran out inside the wasm (a recursion the QuickJS stack check did not see
   * first, e.g. JSON of a very deep state). The module's own stack pointer may be left wrong, so
   * this sandbox is retired; load the kernel again to go on.
   */
  #hostStackOverflow(cause: RangeError): SandboxError {
    this.#broken = 'a stack overflow';
    this.#runtime = undefined;
    this.#context = undefined;
    this.#driver = undefined;
    return new SandboxError('memory', `stack overflow: the kernel recursed deeper than the host's stack allows (its own stack limit is ${this.#limits.stackBytes / KiB} KiB)`, { cause });
  }

  #stateHandle(context: QuickJSContext, json: string): QuickJSHandle {
    if (json.length > this.#limits.jsonChars) throw new SandboxError('bad_state', `a state of ${json.length} characters of JSON is over the limit of ${this.#limits.jsonChars}`);
    return context.newString(json);
  }

  #chunkHandles(context: QuickJSContext, chunk: Chunk): [QuickJSHandle, QuickJSHandle, QuickJSHandle] {
    const copy = (view: Float32Array | Float64Array): ArrayBuffer => (view.byteOffset === 0 && view.byteLength === view.buffer.byteLength && view.buffer instanceof ArrayBuffer ? view.buffer : view.slice().buffer as ArrayBuffer);
    return [context.newArrayBuffer(copy(chunk.values)), chunk.times ? context.newArrayBuffer(copy(chunk.times)) : context.undefined, context.newNumber(chunk.offset)];
  }

  /** `init(params)` as JSON (core encodeState's format). */
  initJson(): string {
    return this.#invoke('init', 'call', () => []);
  }

  /** `step(state, chunk, params)` over JSON states. */
  stepJson(stateJson: string, chunk: Chunk): string {
    return this.#invoke('step', 'call', () => {
      const context = this.#context!;
      return [this.#stateHandle(context, stateJson), ...this.#chunkHandles(context, chunk)];
    });
  }

  /**
   * Steps through `chunk` block by block (blocks of `block` samples counted from sample 0): at
   * each block's end, `finish` gives its value and `init` starts the next. JSON of
   * `{state, blocks}` (the unfinished block's state; the finished blocks' values).
   */
  blocksJson(stateJson: string, chunk: Chunk, block: number): string {
    return this.#invoke('blocks', 'call', () => {
      const context = this.#context!;
      return [this.#stateHandle(context, stateJson), ...this.#chunkHandles(context, chunk), context.newNumber(block)];
    });
  }

  /** `merge(a, b, params)` over JSON states. */
  mergeJson(aJson: string, bJson: string): string {
    return this.#invoke('merge', 'call', () => {
      const context = this.#context!;
      return [this.#stateHandle(context, aJson), this.#stateHandle(context, bJson)];
    });
  }

  /** `finish(state, params)` as JSON (undefined becomes null). */
  finishJson(stateJson: string): string {
    return this.#invoke('finish', 'call', () => [this.#stateHandle(this.#context!, stateJson)]);
  }

  /** Releases the runtime (the next call compiles the kernel again). */
  close(): void {
    try {
      this.#driver?.dispose();
      this.#context?.dispose();
      this.#runtime?.dispose();
    } catch {
      // A runtime that ran out of memory may refuse an orderly teardown; it is dropped all the same.
    }
    this.#driver = undefined;
    this.#context = undefined;
    this.#runtime = undefined;
  }
}

/** A user kernel as a core Kernel (synchronous, decoded states), plus block folding and release. */
export interface UserKernel extends Kernel<Record<string, unknown>, unknown, unknown> {
  readonly doc: UserKernelDoc;
  readonly sandbox: QuickJSSandbox;
  /** Output 'blocks': steps through `chunk` block by block (see QuickJSSandbox.blocksJson). */
  foldBlocks(state: unknown, chunk: Chunk): { state: unknown; blocks: Array<number | null> };
  /** Releases the sandbox. */
  dispose(): void;
}

const toJson = (state: unknown): string => JSON.stringify(encodeState(state)) ?? 'null';
const fromJson = (json: string): unknown => decodeState(JSON.parse(json));

/**
 * Compiles a user kernel document into a core Kernel the TransformationRunner (or runKernel)
 * runs. Rejects with SandboxError 'syntax' when the source does not compile or lacks one of
 * init, step, merge and finish; calls throw SandboxError (see SandboxErrorCode).
 */
export async function loadUserKernel(doc: UserKernelDoc, limits: Partial<SandboxLimits> = {}): Promise<UserKernel> {
  const sandbox = await QuickJSSandbox.create(doc, limits);
  const params = doc.params ?? {};
  return {
    name: `user:${doc.title}`,
    needsTimes: true,
    doc,
    sandbox,
    // A user kernel's params are its document's: the runner passes them back unchanged.
    params: () => params,
    init: () => fromJson(sandbox.initJson()),
    step: (state, chunk) => fromJson(sandbox.stepJson(toJson(state), chunk)),
    merge: (a, b) => fromJson(sandbox.mergeJson(toJson(a), toJson(b))),
    finish: (state) => fromJson(sandbox.finishJson(toJson(state))),
    foldBlocks(state, chunk) {
      if (doc.output !== 'blocks' || doc.block === undefined) throw new SandboxError('bad_state', 'only a kernel with output "blocks" folds blocks');
      return fromJson(sandbox.blocksJson(toJson(state), chunk, doc.block)) as { state: unknown; blocks: Array<number | null> };
    },
    dispose: () => sandbox.close(),
  };
}
