/**
 * The one JSON client of the app's own API (/api/users, /api/sources, …; documents and arrays go
 * through the `http` storage): same origin with the session cookie, or a base URL and bearer
 * token (tests, other hosts); a timeout on every call; reads retried with jitter when the server
 * cannot be reached or is briefly unavailable (503); `{error, detail}` answers turned into an
 * ApiError carrying the status and the server's detail. No network is status 0.
 */

/** A refused or failed call: `status` is the HTTP status (0: no answer), `code` the server's error code. */
export class ApiError extends Error {
  readonly status: number;
  readonly code: string | undefined;
  constructor(status: number, message: string, code?: string) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
  }
}

export interface ApiClientOptions {
  /** Prefix of every path (default: same origin). */
  base?: string;
  /** Bearer token (default: the session cookie). */
  token?: string;
  fetch?: typeof fetch;
  /** Per call (default 30 s): a server that hangs becomes an ApiError(0) instead of a spinner for ever. */
  timeoutMs?: number;
  /** Further tries of a read after no answer or a 503 (default 2). */
  retries?: number;
}

/** The client's one method: `call(path, init)` resolves with the JSON body (undefined for 204). */
export interface ApiClient {
  call<T>(path: string, init?: RequestInit): Promise<T>;
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Creates a client (see the module comment). */
export function apiClient(options: ApiClientOptions = {}): ApiClient {
  const base = (options.base ?? '').replace(/\/+$/, '');
  const send = options.fetch ?? ((input: RequestInfo | URL, init?: RequestInit) => fetch(input, init));
  const timeoutMs = options.timeoutMs ?? 30_000;
  const retries = options.retries ?? 2;

  async function once<T>(path: string, init: RequestInit): Promise<T> {
    const headers = new Headers(init.headers);
    headers.set('accept', 'application/json');
    if (init.body !== undefined && !headers.has('content-type')) headers.set('content-type', 'application/json');
    if (options.token) headers.set('authorization', `Bearer ${options.token}`);
    let response: Response;
    try {
      response = await send(`${base}${path}`, { credentials: 'same-origin', ...init, headers, signal: AbortSignal.timeout(timeoutMs) });
    } catch (error) {
      const timedOut = error instanceof DOMException && error.name === 'TimeoutError';
      throw new ApiError(0, timedOut ? `the server did not answer within ${Math.round(timeoutMs / 1000)} s` : 'the server cannot be reached');
    }
    if (response.status === 204) return undefined as T;
    const body = (await response.json().catch(() => ({}))) as T & { error?: string; detail?: string };
    if (!response.ok) throw new ApiError(response.status, body.detail ?? `the server answered ${response.status}`, body.error);
    return body;
  }

  return {
    async call<T>(path: string, init: RequestInit = {}): Promise<T> {
      // Only reads are tried again: a write that timed out may have happened.
      const method = (init.method ?? 'GET').toUpperCase();
      for (let attempt = 0; ; attempt++) {
        try {
          return await once<T>(path, init);
        } catch (error) {
          const again = method === 'GET' && attempt < retries && error instanceof ApiError && (error.status === 0 || error.status === 503);
          if (!again) throw error;
          // 0.5 s, 1 s, … with jitter, so tablets coming back together do not retry in step.
          await pause(500 * 2 ** attempt * (0.5 + Math.random()));
        }
      }
    },
  };
}

/** The app's client: same origin, session cookie. */
export const sameOriginApi: ApiClient = apiClient();
