/**
 * A Server-Sent Events client for tests, over fetch's body stream: parses the stream as the HTML
 * spec says (fields `id`, `event`, `data`, `retry`; comment lines; a blank line dispatches; an
 * `id` without data moves the last event id without an event), keeps every message and the
 * last id, and waits for messages with a bound (a bound for failures only, never a fixed wait).
 */

export interface SseMessage {
  event: string;
  data: string;
  /** The last event id after this message (what EventSource would send as Last-Event-ID). */
  id: string;
  /** When it was parsed (Date.now()). */
  receivedAt: number;
}

export interface SseClient {
  /** The HTTP status and headers of the answer. */
  response: Response;
  /** Messages received so far (with data), in order. */
  messages: SseMessage[];
  /** Comment lines received (heartbeats). */
  comments: number;
  /** The last event id (EventSource's `lastEventId`). */
  readonly lastId: string;
  /** Bytes of the body read so far. */
  readonly bytes: number;
  /** Resolves with the first message (from `messages[from]` on) that `match` accepts; rejects after `boundMs`. */
  waitFor(match: (message: SseMessage) => boolean, options?: { from?: number; boundMs?: number }): Promise<SseMessage>;
  /** Resolves once the server ended the stream (or the connection broke). */
  ended: Promise<void>;
  close(): void;
}

export interface SseOptions {
  token?: string;
  /** Sent as the Last-Event-ID header. */
  lastEventId?: string;
  headers?: Record<string, string>;
}

/** Opens `url` as an event stream; resolves once the answer's headers came (any status). */
export async function openSse(url: string, options: SseOptions = {}): Promise<SseClient> {
  const abort = new AbortController();
  const headers: Record<string, string> = { accept: 'text/event-stream', ...options.headers };
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  if (options.lastEventId !== undefined) headers['last-event-id'] = options.lastEventId;
  const response = await fetch(url, { headers, signal: abort.signal });
  const messages: SseMessage[] = [];
  const waiters = new Set<() => void>();
  let lastId = '';
  let bytes = 0;
  let comments = 0;
  let event = '';
  let data: string[] = [];
  let idBuffer = '';
  let finished = false;

  const line = (text: string) => {
    if (text === '') {
      lastId = idBuffer;
      if (data.length > 0) messages.push({ event: event || 'message', data: data.join('\n'), id: lastId, receivedAt: Date.now() });
      event = '';
      data = [];
      return;
    }
    if (text.startsWith(':')) {
      comments++;
      return;
    }
    const colon = text.indexOf(':');
    const field = colon === -1 ? text : text.slice(0, colon);
    let value = colon === -1 ? '' : text.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'event') event = value;
    else if (field === 'data') data.push(value);
    else if (field === 'id' && !value.includes('\0')) idBuffer = value;
  };

  const ended = (async () => {
    if (!response.body) return;
    const reader = response.body.getReader();
    const decoder = new TextDecoder();
    let rest = '';
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        bytes += value.byteLength;
        rest += decoder.decode(value, { stream: true });
        const lines = rest.split(/\r\n|\r|\n/);
        rest = lines.pop()!;
        for (const text of lines) line(text);
        for (const wake of [...waiters]) wake();
      }
    } catch {
      // aborted or cut: the stream ended either way
    }
    finished = true;
    for (const wake of [...waiters]) wake();
  })();


  return {
    response,
    messages,
    get comments() {
      return comments;
    },
    get lastId() {
      return lastId;
    },
    get bytes() {
      return bytes;
    },
    ended,
    close: () => abort.abort(),
    waitFor(match, { from = 0, boundMs = 10_000 } = {}) {
      return new Promise<SseMessage>((resolve, reject) => {
        const check = () => {
          const found = messages.slice(from).find(match);
          if (found) {
            done();
            resolve(found);
          } else if (finished) {
            done();
            reject(new Error(`the stream ended without the message waited for (got ${JSON.stringify(messages.slice(from).map((m) => m.event))})`));
          }
        };
        const bound = setTimeout(() => {
          done();
          reject(new Error(`no such message within ${boundMs} ms (got ${JSON.stringify(messages.slice(from).map((m) => `${m.event} ${m.data}`))})`));
        }, boundMs);
        const done = () => {
          clearTimeout(bound);
          waiters.delete(check);
        };
        waiters.add(check);
        check();
      });
    },
  };
}
