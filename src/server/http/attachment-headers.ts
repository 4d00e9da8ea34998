/**
 * How attachments — files users upload, served from the app's own origin — are sent so that none
 * can ever run as the app. A technician's `report.html` opened by an admin would otherwise run
 * with the admin's session (stored XSS): so every attachment response carries
 * `Content-Security-Policy: sandbox; default-src 'none'` (an opaque origin, no script, no
 * requests) and `nosniff`; only a short list of inert image types is shown inline, everything
 * else is a download (`Content-Disposition: attachment`); and attachments are never loaded as a
 * script, style sheet, worker or frame of a page (`Sec-Fetch-Dest`), where a stored
 * `text/javascript` would otherwise pass `script-src 'self'`. The app's own fetch() of array
 * chunks and photos ignores Content-Disposition, and the stored Content-Type still goes out, so
 * the storage contract (a Blob's type survives the round trip) holds.
 *
 * Not inline: image/svg+xml (SVG documents run script), text/html, and application/pdf (PDF
 * viewers run their own scripting — Chromium's is sandboxed, others' are not, and Chromium
 * refuses to show a PDF under a CSP sandbox anyway).
 */
import type { FastifyReply } from 'fastify';

const inlineTypes = new Set(['image/png', 'image/jpeg', 'image/gif', 'image/webp', 'image/avif']);

/**
 * Destinations an attachment may be fetched for (Sec-Fetch-Dest): fetch() and XHR (`empty`), a
 * navigation (`document`: a download, or an inline image), and media elements. Absent: a client
 * that is no browser.
 */
const allowedDestinations = new Set(['empty', 'document', 'image', 'video', 'audio', 'track']);

export const ATTACHMENT_CSP = "sandbox; default-src 'none'";

/** The MIME type essence of a Content-Type: lower case, without parameters ("Image/PNG; x=1" → "image/png"). */
export function mimeEssence(contentType: string): string {
  return (contentType.split(';', 1)[0] ?? '').trim().toLowerCase();
}

/** Whether an attachment of `contentType` is shown in the browser (an inert image) rather than downloaded. */
export function showsInline(contentType: string): boolean {
  return inlineTypes.has(mimeEssence(contentType));
}

/** Whether a browser's Sec-Fetch-Dest (undefined: not sent) may load an attachment. */
export function attachmentDestinationAllowed(destination: string | undefined): boolean {
  return destination === undefined || allowedDestinations.has(destination.toLowerCase());
}

/** A Content-Disposition value for `name` (RFC 6266: an ASCII fallback and the UTF-8 name). */
export function contentDisposition(kind: 'inline' | 'attachment', name: string): string {
  const base = name.split('/').pop() || 'attachment';
  const ascii = base.replace(/[^\x20-\x7e]|["\\%]/g, '_');
  return `${kind}; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(base)}`;
}

/** Sets the headers of an attachment response (see the module comment). */
export function setAttachmentHeaders(reply: FastifyReply, name: string, storedType: string): void {
  const type = storedType || 'application/octet-stream';
  const inline = showsInline(type);
  // Inline types go out as their bare essence, so no parameter reaches the browser's sniffing.
  reply.type(inline ? mimeEssence(type) : type);
  reply.header('content-disposition', contentDisposition(inline ? 'inline' : 'attachment', name));
  reply.header('content-security-policy', ATTACHMENT_CSP);
  reply.header('x-content-type-options', 'nosniff');
  reply.header('cross-origin-resource-policy', 'same-origin');
}
