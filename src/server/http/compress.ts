/**
 * Compression of the server's JSON answers (the changes feed a sync pulls shrinks about eightfold)
 * for clients that accept it — what counts on a tablet's cellular link. Done in one synchronous
 * call per answer (brotli quality 1 or gzip level 1: about a millisecond for a 200 KB page), which
 * measured far cheaper than streaming each answer through zlib in pieces. Attachments are never
 * compressed, whatever their type (CSV and JSON ones too): anything served with `Accept-Ranges`
 * (and any 206) is left alone, since a Content-Range must count bytes of the stored data, not of
 * an encoding of it; binary bodies gain little anyway.
 */
import zlib from 'node:zlib';
import type { FastifyInstance } from 'fastify';

/** Answers smaller than this are sent as they are (headers would eat the gain). */
const THRESHOLD = 2048;
const COMPRESSIBLE = /^(?:application\/(?:json|javascript|manifest\+json)|text\/)/;

/** Which encoding `accept-encoding` allows: brotli first, then gzip (q=0 excludes). */
export function chooseEncoding(accept: string | undefined): 'br' | 'gzip' | undefined {
  if (!accept) return undefined;
  const allowed = new Set<string>();
  for (const part of accept.split(',')) {
    const [name, ...parameters] = part.trim().toLowerCase().split(';');
    const quality = parameters.map((parameter) => /^\s*q=([\d.]+)\s*$/.exec(parameter)?.[1]).find((value) => value !== undefined);
    if (name && (quality === undefined || Number(quality) > 0)) allowed.add(name);
  }
  if (allowed.has('br')) return 'br';
  if (allowed.has('gzip') || allowed.has('*')) return 'gzip';
  return undefined;
}

export function installCompression(app: FastifyInstance): void {
  app.addHook('onSend', async (request, reply, payload) => {
    if (typeof payload !== 'string' && !Buffer.isBuffer(payload)) return payload;
    if (reply.statusCode === 206 || reply.getHeader('accept-ranges') !== undefined) return payload;
    const type = String(reply.getHeader('content-type') ?? '');
    if (!COMPRESSIBLE.test(type) || reply.getHeader('content-encoding')) return payload;
    const bytes = typeof payload === 'string' ? Buffer.from(payload) : payload;
    if (bytes.length < THRESHOLD) return payload;
    reply.header('vary', 'accept-encoding');
    const encoding = chooseEncoding(request.headers['accept-encoding']);
    if (!encoding) return payload;
    const compressed =
      encoding === 'br'
        ? zlib.brotliCompressSync(bytes, { params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 1, [zlib.constants.BROTLI_PARAM_SIZE_HINT]: bytes.length } })
        : zlib.gzipSync(bytes, { level: 1 });
    reply.header('content-encoding', encoding);
    reply.removeHeader('content-length');
    return compressed;
  });
}
