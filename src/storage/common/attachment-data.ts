/** Conversions between what callers pass as attachment data, Blobs, and the formats they read. */
import { StorageError } from '../errors';
import type { AttachmentData, AttachmentFormat, GetAttachmentOptions } from '../storage';

/** Any accepted attachment input as a Blob of the given (or its own) content type. */
export function toBlob(data: AttachmentData, contentType?: string): Blob {
  if (data instanceof Blob) return contentType && contentType !== data.type ? data.slice(0, data.size, contentType) : data;
  if (typeof data === 'string') return new Blob([data], { type: contentType ?? 'text/plain;charset=utf-8' });
  if (data instanceof ArrayBuffer) return new Blob([data], { type: contentType ?? 'application/octet-stream' });
  if (ArrayBuffer.isView(data)) {
    const bytes = new Uint8Array(data.buffer as ArrayBuffer, data.byteOffset, data.byteLength);
    return new Blob([bytes], { type: contentType ?? 'application/octet-stream' });
  }
  throw new StorageError('bad_request', 'attachment data must be a Blob, ArrayBuffer, typed array or string');
}

/** Clamps a requested byte range to an attachment of `length` bytes: [start, end). */
export function byteRange(options: GetAttachmentOptions | undefined, length: number): [number, number] {
  const start = options?.start ?? 0;
  const end = options?.end ?? length;
  if (!Number.isInteger(start) || !Number.isInteger(end) || start < 0 || end < 0) {
    throw new StorageError('bad_request', 'attachment range start and end must be non-negative integers');
  }
  if (end < start) throw new StorageError('bad_request', `attachment range end (${end}) is before start (${start})`);
  return [Math.min(start, length), Math.min(end, length)];
}

const formats: readonly AttachmentFormat[] = ['blob', 'array_buffer', 'text', 'json'];

/** Reads a Blob in the requested format. */
export async function readAs(blob: Blob, format: AttachmentFormat | undefined): Promise<unknown> {
  switch (format ?? 'blob') {
    case 'blob':
      return blob;
    case 'array_buffer':
      return blob.arrayBuffer();
    case 'text':
      return blob.text();
    case 'json': {
      const text = await blob.text();
      try {
        return JSON.parse(text) as unknown;
      } catch (error) {
        throw new StorageError('bad_request', `the attachment is not valid JSON: ${(error as Error).message}`, { cause: error });
      }
    }
    default:
      throw new StorageError('bad_request', `format must be one of ${formats.join(', ')}`);
  }
}
