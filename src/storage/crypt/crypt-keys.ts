/**
 * Keys and primitives of the `crypt` storage (WebCrypto only). A passphrase is stretched with
 * PBKDF2-SHA-256 into an AES-256-GCM key (contents) and an HMAC-SHA-256 key (synthetic IVs for
 * ids and names, so the same id always encrypts to the same sub-storage id and `get` still works).
 */
const encoder = new TextEncoder();
const decoder = new TextDecoder();

export interface CryptKeys {
  aes: CryptoKey;
  mac: CryptoKey;
}

/** OWASP's 2023 figure for PBKDF2-HMAC-SHA256. */
export const DEFAULT_ITERATIONS = 600_000;

export async function deriveKeys(passphrase: string, salt: Uint8Array, iterations: number): Promise<CryptKeys> {
  const base = await crypto.subtle.importKey('raw', encoder.encode(passphrase), 'PBKDF2', false, ['deriveBits']);
  const bits = new Uint8Array(await crypto.subtle.deriveBits({ name: 'PBKDF2', hash: 'SHA-256', salt: salt as BufferSource, iterations }, base, 512));
  const aes = await crypto.subtle.importKey('raw', bits.slice(0, 32), 'AES-GCM', false, ['encrypt', 'decrypt']);
  const mac = await crypto.subtle.importKey('raw', bits.slice(32), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
  return { aes, mac };
}

export function toBase64Url(bytes: Uint8Array): string {
  let binary = '';
  for (let index = 0; index < bytes.length; index += 0x8000) binary += String.fromCharCode(...bytes.subarray(index, index + 0x8000));
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

export function fromBase64Url(text: string): Uint8Array {
  const binary = atob(text.replace(/-/g, '+').replace(/_/g, '/'));
  const bytes = new Uint8Array(binary.length);
  for (let index = 0; index < binary.length; index++) bytes[index] = binary.charCodeAt(index);
  return bytes;
}

/** AES-GCM with a 12-byte IV prepended to the ciphertext (and its 16-byte tag). */
export async function seal(keys: CryptKeys, plain: Uint8Array, context: string, iv = crypto.getRandomValues(new Uint8Array(12))): Promise<Uint8Array> {
  const sealed = new Uint8Array(
    await crypto.subtle.encrypt({ name: 'AES-GCM', iv: iv as BufferSource, additionalData: encoder.encode(context) }, keys.aes, plain as BufferSource),
  );
  const out = new Uint8Array(12 + sealed.length);
  out.set(iv);
  out.set(sealed, 12);
  return out;
}

/** Inverse of `seal`; throws (OperationError) when the key, context or bytes are wrong. */
export async function open(keys: CryptKeys, sealed: Uint8Array, context: string): Promise<Uint8Array> {
  const plain = await crypto.subtle.decrypt(
    { name: 'AES-GCM', iv: sealed.subarray(0, 12) as BufferSource, additionalData: encoder.encode(context) },
    keys.aes,
    sealed.subarray(12) as BufferSource,
  );
  return new Uint8Array(plain);
}

/** Deterministic encryption of a short text (SIV-style: the IV is an HMAC of the text). */
export async function sealName(keys: CryptKeys, text: string, purpose: string): Promise<string> {
  const plain = encoder.encode(text);
  const mac = new Uint8Array(await crypto.subtle.sign('HMAC', keys.mac, encoder.encode(`${purpose}\u0000${text}`)));
  return toBase64Url(await seal(keys, plain, purpose, mac.slice(0, 12)));
}

export async function openName(keys: CryptKeys, sealed: string, purpose: string): Promise<string> {
  return decoder.decode(await open(keys, fromBase64Url(sealed), purpose));
}

export const utf8 = { encode: (text: string) => encoder.encode(text), decode: (bytes: Uint8Array) => decoder.decode(bytes) };
