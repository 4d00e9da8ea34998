/**
 * Why a user kernel failed, wherever it ran (this thread, a worker, a server thread): the code
 * says which limit or rule, the message says it in words. Crosses a worker or HTTP boundary as
 * `{code, message}` (toJSON / sandboxErrorFrom), so the device and the server report the same.
 */

export type SandboxErrorCode = 'syntax' | 'runtime' | 'timeout' | 'memory' | 'bad_state' | 'bad_result';

const codes: ReadonlySet<string> = new Set<SandboxErrorCode>(['syntax', 'runtime', 'timeout', 'memory', 'bad_state', 'bad_result']);

export class SandboxError extends Error {
  override name = 'SandboxError';
  readonly code: SandboxErrorCode;
  /** HTTP-like: the kernel (the request's content) is at fault, not the request's form. */
  readonly status = 422;

  constructor(code: SandboxErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }

  /** What crosses a boundary. */
  toJSON(): { name: 'SandboxError'; code: SandboxErrorCode; message: string } {
    return { name: 'SandboxError', code: this.code, message: this.message };
  }
}

/** A SandboxError back from its JSON form (undefined when `value` is not one). */
export function sandboxErrorFrom(value: unknown): SandboxError | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const { name, code, message } = value as { name?: unknown; code?: unknown; message?: unknown };
  if (name !== 'SandboxError' || typeof code !== 'string' || !codes.has(code) || typeof message !== 'string') return undefined;
  return new SandboxError(code as SandboxErrorCode, message);
}
