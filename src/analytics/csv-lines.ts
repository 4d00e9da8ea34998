/** Lines of a text stream with a bound on line length, so a file without newlines cannot fill memory. */
import type { Readable } from 'node:stream';

export class LineTooLongError extends Error {
  readonly line: number;
  constructor(line: number, limit: number) {
    super(`line ${line} is longer than ${limit} characters`);
    this.line = line;
  }
}

/** Yields the stream's lines (without '\r\n' / '\n'), failing on one longer than `maxLength`. */
export async function* boundedLines(stream: Readable, maxLength: number): AsyncGenerator<string> {
  stream.setEncoding('utf8');
  let partial = '';
  let number = 0;
  for await (const chunk of stream as AsyncIterable<string>) {
    let start = 0;
    for (let newline = chunk.indexOf('\n', start); newline !== -1; newline = chunk.indexOf('\n', start)) {
      const line = partial + chunk.slice(start, newline);
      partial = '';
      number += 1;
      if (line.length > maxLength) throw new LineTooLongError(number, maxLength);
      yield line.endsWith('\r') ? line.slice(0, -1) : line;
      start = newline + 1;
    }
    partial += chunk.slice(start);
    if (partial.length > maxLength) throw new LineTooLongError(number + 1, maxLength);
  }
  if (partial !== '') yield partial.endsWith('\r') ? partial.slice(0, -1) : partial;
}
