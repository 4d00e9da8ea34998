/**
 * Documents that say who wrote them, on the server's write paths (/api/docs PUT, POST, DELETE,
 * bulk_docs — sync pushes through them): saved explorer views (`explorer_view/<uuid>`) and user
 * kernels (`user_kernel/<slug>`). Their `owner` says who saved them, so it cannot be made up: an
 * engineer creating one names themselves, and no one but an admin changes the owner of a stored one
 * (others may still edit or delete it: views and kernels are shared among engineers).
 * Who writes them at all is writeRefusal's (access.ts); that one is well formed is
 * model-checks.ts' (core explorerViewProblem, userKernelProblem).
 */
import type { User } from '../auth/accounts';
import type { Doc } from '../../storage/backend';
import type { StoredDoc } from '../store/sql/sql-storage';
import { HttpError } from '../errors';
import { documentKind, type DocumentKind } from './access';

/** The owned kinds, by what a refusal calls them. */
const ownedKinds: ReadonlyMap<DocumentKind, string> = new Map<DocumentKind, string>([
  ['type:explorer_view', 'explorer view'],
  ['type:user_kernel', 'user kernel'],
]);

const kindOf = (doc: Doc | undefined): DocumentKind | undefined => (doc === undefined ? undefined : documentKind(doc));

/**
 * Why `user` may not write `after` (undefined: a delete) under `id` over `stored`, as far as owned
 * documents go (undefined: nothing against it). Judged inside the writing transaction.
 */
export function ownedDocRefusal(user: User, id: string, after: Doc | undefined, stored: StoredDoc | undefined): HttpError | undefined {
  const kind = kindOf(after);
  const what = kind === undefined ? undefined : ownedKinds.get(kind);
  if (user.role === 'admin' || after === undefined || what === undefined) return undefined;
  const before = stored?.doc;
  const name = `${what} ${JSON.stringify(id)}`;
  if (kindOf(before) === kind) {
    if (after.owner !== before!.owner) return new HttpError(403, 'forbidden', `${name}: owner stays ${JSON.stringify(before!.owner)} (only an admin changes who saved it)`);
    return undefined;
  }
  if (after.owner !== user.username) return new HttpError(403, 'forbidden', `${name}: owner must be who saves it, ${JSON.stringify(user.username)} (got ${JSON.stringify(after.owner)})`);
  return undefined;
}
