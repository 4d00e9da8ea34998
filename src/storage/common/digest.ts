/** Attachment digests (the 'digest' capacity): lowercase hex SHA-256 of the bytes. */
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex } from '@noble/hashes/utils.js';

/** Up to this size one native `crypto.subtle` call is fastest; beyond it, hash slice by slice. */
const WHOLE_LIMIT = 16 * 1024 * 1024;
const SLICE = 1024 * 1024;

/**
 * The digest of a Blob. Large ones are hashed 1 MiB at a time, so a 1 GB attachment is never
 * in memory at once; `crypto.subtle` is missing outside secure contexts (a tablet on plain http),
 * where @noble/hashes does all of it.
 */
export async function blobDigest(blob: Blob): Promise<string> {
  const subtle = globalThis.crypto?.subtle;
  if (subtle && blob.size <= WHOLE_LIMIT) return bytesToHex(new Uint8Array(await subtle.digest('SHA-256', await blob.arrayBuffer())));
  const hash = sha256.create();
  for (let start = 0; start < blob.size; start += SLICE) hash.update(new Uint8Array(await blob.slice(start, start + SLICE).arrayBuffer()));
  return bytesToHex(hash.digest());
}
