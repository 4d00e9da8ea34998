/**
 * The condition of an attachment write on the attachment itself (`expect_digest`, see
 * AttachmentWriteOptions): checked the same way by every storage, so a device and the server
 * refuse the same writes with the same words.
 */
import { StorageError } from '../errors';

const DIGEST = /^[0-9a-f]{64}$/;

/** `value` as an expect_digest (undefined: none given); 400 for anything but null or a SHA-256 hex digest. */
export function checkExpectDigest(value: unknown): string | null | undefined {
  if (value === undefined || value === null) return value;
  if (typeof value !== 'string' || !DIGEST.test(value)) throw new StorageError('bad_request', 'expect_digest must be the SHA-256 digest of the attachment (64 lowercase hex digits) or null for none');
  return value;
}

/** The 409 when attachment `name` of `id` has digest `actual` (null: absent) and the write expects `expected`; undefined when it holds. */
export function digestConflict(id: string, name: string, expected: string | null | undefined, actual: string | null): StorageError | undefined {
  if (expected === undefined || expected === actual) return undefined;
  const now = actual === null ? 'it does not exist' : expected === null ? 'it exists already' : 'it was written since';
  return new StorageError('conflict', `attachment ${JSON.stringify(name)} of ${JSON.stringify(id)} is not the one this write expects: ${now}`);
}
