/**
 * Content hashes of documents: the revision identity sync compares (never wall clocks, which are
 * wrong on tablets). Two documents with the same JSON content, whatever their key order, have the
 * same hash. SHA-256 (via @noble/hashes: synchronous, and works outside secure contexts where
 * `crypto.subtle` is missing, e.g. a tablet on http://192.168.x.y).
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex, utf8ToBytes } from '@noble/hashes/utils.js';
import type { Json } from './query';

/** JSON text with object keys sorted at every level: one spelling per value. */
export function canonicalJson(value: Json | undefined): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value ?? null);
  if (Array.isArray(value)) return `[${value.map((item) => canonicalJson(item)).join(',')}]`;
  const keys = Object.keys(value).filter((key) => value[key] !== undefined).sort();
  return `{${keys.map((key) => `${JSON.stringify(key)}:${canonicalJson(value[key])}`).join(',')}}`;
}

/** Lowercase hex SHA-256 of a document's canonical JSON. */
export function docHash(doc: Json): string {
  return bytesToHex(sha256(utf8ToBytes(canonicalJson(doc))));
}

/** Lowercase hex SHA-256 of bytes (attachment digests where `crypto.subtle` may be missing). */
export function bytesHash(bytes: Uint8Array): string {
  return bytesToHex(sha256(bytes));
}
