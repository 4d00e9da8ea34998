/**
 * `query` storage: adds query, sort, limit, select and include_docs to a sub-storage that can only
 * list ids (crypt, later http without a query endpoint). Where the sub-storage does all of it
 * itself (memory, indexeddb with its indexes) the request passes straight through.
 */
import { PassThroughStorage } from '../common/pass-through';
import { applyAllDocsOptions, needsDocs, queryOf } from '../common/all-docs';
import { checkAllDocsOptions } from '../common/validate';
import { StorageError } from '../errors';
import type { AllDocsOptions, AllDocsResult, Capacity, Doc } from '../storage';

const added = new Set<string>(['list', 'query', 'sort', 'limit', 'select', 'include']);

export class QueryStorage extends PassThroughStorage {
  #subDoes(options: AllDocsOptions): boolean {
    const wanted: Capacity[] = ['list'];
    if (options.query) wanted.push('query');
    if (options.sort_on?.length) wanted.push('sort');
    if (options.limit) wanted.push('limit');
    if (options.select_list?.length) wanted.push('select');
    if (options.include_docs) wanted.push('include');
    return wanted.every((capacity) => this.sub.hasCapacity(capacity));
  }

  override async allDocs(options: AllDocsOptions = {}): Promise<AllDocsResult> {
    checkAllDocsOptions(options);
    queryOf(options); // a bad query fails here, before any work
    if (this.#subDoes(options)) return this.sub.allDocs(options);
    if (!this.sub.hasCapacity('list')) throw new StorageError('not_supported', 'the sub-storage of a query storage must be able to list its documents');
    const listed = await this.sub.allDocs({ include_docs: this.sub.hasCapacity('include') && needsDocs(options) });
    const entries: Array<{ id: string; doc: Doc }> = [];
    for (const row of listed.rows) {
      if (!needsDocs(options)) {
        entries.push({ id: row.id, doc: {} });
        continue;
      }
      try {
        entries.push({ id: row.id, doc: row.doc ?? (await this.sub.get(row.id)) });
      } catch (error) {
        // Removed between listing and reading: it is simply not part of the result.
        if (!(error instanceof StorageError && error.status === 404)) throw error;
      }
    }
    return applyAllDocsOptions(entries, options);
  }

  override hasCapacity(name: Capacity | string): boolean {
    return added.has(name) || this.sub.hasCapacity(name);
  }
}
