/**
 * Saved explorer views (`explorer_view/<uuid>`) on the server's write paths (/api/docs PUT, POST,
 * DELETE, bulk_docs — sync pushes through them): a view's `owner` says who saved it, so it cannot
 * be made up: an engineer creating a view names themselves, and no one but an admin changes the
 * owner of a stored view (others may still edit or delete it: views are shared among engineers).
 * Who writes views at all is writeRefusal's (access.ts); that a view is well formed is
 * model-checks.ts' (core explorerViewProblem).
 */
import type { User } from '../auth/accounts';
import type { Doc } from '../../storage/backend';
import type { StoredDoc } from '../store/sql/sql-storage';
import { HttpError } from '../errors';
import { documentKind } from './access';

function isExplorerView(doc: Doc | undefined): doc is Doc {
  return doc !== undefined && documentKind(doc) === 'type:explorer_view';
}

/**
 * Why `user` may not write `after` (undefined: a delete) under `id` over `stored`, as far as saved
 * explorer views go (undefined: nothing against it). Judged inside the writing transaction.
 */
export function explorerViewRefusal(user: User, id: string, after: Doc | undefined, stored: StoredDoc | undefined): HttpError | undefined {
  if (user.role === 'admin' || !isExplorerView(after)) return undefined;
  const before = stored?.doc;
  const name = JSON.stringify(id);
  if (isExplorerView(before)) {
    if (after.owner !== before.owner) return new HttpError(403, 'forbidden', `explorer view ${name}: owner stays ${JSON.stringify(before.owner)} (only an admin changes who saved a view)`);
    return undefined;
  }
  if (after.owner !== user.username) return new HttpError(403, 'forbidden', `explorer view ${name}: owner must be who saves it, ${JSON.stringify(user.username)} (got ${JSON.stringify(after.owner)})`);
  return undefined;
}
