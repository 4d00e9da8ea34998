/**
 * The server's user-kernel threads: a run of a user-kernel transformation borrows one (its own
 * worker thread with the QuickJS sandbox), so an endless loop in one user's kernel holds only
 * that thread, never the event loop nor another user's run. Up to `max` threads run at once;
 * idle ones are kept for the next run, and a thread that overran its hard deadline is
 * terminated (SandboxClient) and replaced on its next call.
 */
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { SandboxClient, type SandboxClientOptions, type SandboxLimits, type SandboxPort, type SandboxReply } from '../../compute/isomorphic';

/**
 * tsx's ESM register API. import.meta.resolve where the loader has it (node); elsewhere (a test
 * runner's module loader) the require resolution gives the CommonJS twin, next to the ESM file.
 */
function tsxApi(): string {
  if (typeof import.meta.resolve === 'function') return import.meta.resolve('tsx/esm/api');
  return pathToFileURL(createRequire(import.meta.url).resolve('tsx/esm/api').replace(/\.cjs$/, '.mjs')).href;
}

/** A Node worker thread running sandbox-thread.ts behind the SandboxPort the client speaks to. */
function threadPort(limits: Partial<SandboxLimits>): SandboxPort {
  const entry = new URL('./sandbox-thread.ts', import.meta.url).href;
  // The server runs its TypeScript through tsx; a thread registers it for itself (as job threads do).
  const tsx = tsxApi();
  const bootstrap = `import { register } from ${JSON.stringify(tsx)}; register(); await import(${JSON.stringify(entry)});`;
  // A big stack: QuickJS's own stack check should always come first (see defaultSandboxLimits).
  const thread = new Worker(new URL(`data:text/javascript,${encodeURIComponent(bootstrap)}`), { workerData: { limits }, resourceLimits: { stackSizeMb: 16 } });
  // Idle threads must not keep the process alive.
  thread.unref();
  return {
    post: (request, transfer) => thread.postMessage(request, transfer),
    listen(listener) {
      thread.on('message', (reply: SandboxReply) => listener(reply));
      thread.on('error', (error) => listener(error));
      thread.on('exit', (code) => listener(new Error(`the user-kernel thread exited (code ${code})`)));
    },
    terminate: () => void thread.terminate(),
  };
}

export class SandboxThreads {
  readonly #max: number;
  readonly #limits: Partial<SandboxLimits>;
  readonly #idle: SandboxClient[] = [];
  #busy = 0;
  readonly #waiting: Array<() => void> = [];
  #closed = false;

  readonly #client: SandboxClientOptions;

  constructor(options: { max?: number } & SandboxClientOptions = {}) {
    this.#max = options.max ?? 4;
    this.#limits = options.limits ?? {};
    this.#client = options;
  }

  /** Runs `body` with a thread of its own (waits while `max` are busy). */
  async with<T>(body: (client: SandboxClient) => Promise<T>): Promise<T> {
    while (this.#busy >= this.#max) await new Promise<void>((resolve) => this.#waiting.push(resolve));
    this.#busy++;
    const client = this.#idle.pop() ?? new SandboxClient(threadPort, { ...this.#client, limits: this.#limits });
    try {
      return await body(client);
    } finally {
      this.#busy--;
      if (this.#closed) client.dispose();
      else this.#idle.push(client);
      this.#waiting.shift()?.();
    }
  }

  /** Threads stopped for overrunning their hard deadline (over the idle ones). */
  get terminations(): number {
    return this.#idle.reduce((sum, client) => sum + client.terminations, 0);
  }

  /** Terminates the idle threads; busy ones end with their run. */
  close(): void {
    this.#closed = true;
    for (const client of this.#idle.splice(0)) client.dispose();
  }
}
