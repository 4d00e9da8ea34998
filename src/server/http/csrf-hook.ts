/**
 * Cross-site request forgery: a browser adds the session cookie to a request whoever's page made
 * it. SameSite=Strict keeps it off requests from other sites, but "site" ignores ports and
 * subdomains (a page on :8081 of the same host is same-site), and text/plain or bodiless POSTs
 * need no CORS preflight. So a state-changing request (POST, PUT, PATCH, DELETE) that signs in
 * with the cookie must show it comes from the app's own pages:
 *   - `Sec-Fetch-Site` (sent by browsers to https and localhost origins) must be `same-origin`
 *     (or `none`: the user's own action);
 *   - without it (plain http on a LAN), `Origin` must name this server: its host and port equal
 *     the request's Host (X-Forwarded-Host only behind a TRUST_PROXY proxy, as request.host
 *     reads it), and its scheme equals the request's when that is known to be https;
 *   - with neither, it is refused: browsers send one of them on every such request, and
 *     programs that are no browser sign in with `Authorization: Bearer`, which is not checked
 *     (no page can make a browser send a token it does not know).
 * Sign-in itself (POST /api/session, no session yet) is refused only when a browser says the
 * request comes from another origin: a forged sign-in would put the victim in the attacker's
 * account (login CSRF).
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { HttpError } from '../errors';

const stateChanging = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

function header(request: FastifyRequest, name: string): string | undefined {
  const value = request.headers[name];
  return typeof value === 'string' ? value : undefined;
}

/** Whether `origin` (an Origin header) is this server as the request reached it. */
export function sameOrigin(origin: string, request: FastifyRequest): boolean {
  let url: URL;
  try {
    url = new URL(origin);
  } catch {
    return false; // "null" (sandboxed frames, privacy-sensitive contexts) and garbage
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return false;
  // Behind a TLS front end that is not a trusted proxy the request looks like http: an https
  // page is then still ours. When the request is known to be https, an http page is not.
  if (request.protocol === 'https' && url.protocol !== 'https:') return false;
  try {
    // Parsed the same way, so case and a default port written out ("host:80") compare equal.
    return url.host === new URL(`${url.protocol}//${request.host}`).host;
  } catch {
    return false; // no or a malformed Host
  }
}

/** Why a request is refused as cross-site, or undefined when it passes (see the module comment). */
export function csrfRefusal(request: FastifyRequest): string | undefined {
  if (!stateChanging.has(request.method)) return undefined;
  const site = header(request, 'sec-fetch-site')?.toLowerCase();
  const origin = header(request, 'origin');
  const signIn = request.method === 'POST' && request.routeOptions.url === '/api/session';
  // A cookie whose session has ended is checked too: the route answers 401 either way.
  if (!signIn && request.sessionFrom !== 'cookie') return undefined;
  if (site !== undefined) return site === 'same-origin' || site === 'none' ? undefined : `Sec-Fetch-Site is ${site}`;
  if (origin !== undefined) return sameOrigin(origin, request) ? undefined : `Origin ${origin} is not this server (${request.host})`;
  return signIn ? undefined : 'the request names neither Sec-Fetch-Site nor Origin';
}

/** Refuses cross-site state-changing requests with 403 `csrf`, before their body is read. */
export function installCsrfCheck(app: FastifyInstance): void {
  app.addHook('onRequest', async (request) => {
    const refusal = csrfRefusal(request);
    if (refusal) {
      throw new HttpError(403, 'csrf', `cross-site request refused: ${refusal}. Requests signed in with the session cookie must come from the app's own pages; other programs send "Authorization: Bearer <token>".`);
    }
  });
}
