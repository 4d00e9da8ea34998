/**
 * A Storage whose real storage is opened on first use — createStorage is synchronous, opening a
 * server store or starting a server is not — with its own close and destroy (tests only).
 */
import type { Storage } from '../../src/storage/backend';

export interface Opened {
  storage: Storage;
  close(): Promise<void>;
  destroy(): Promise<void>;
}

const methods = ['get', 'put', 'post', 'remove', 'allDocs', 'putAttachment', 'getAttachment', 'removeAttachment', 'allAttachments', 'changes', 'repair', 'bulk', 'bulkDocs'] as const;

export function deferredStorage(open: () => Promise<Opened>, capacities: readonly string[]): Storage {
  const opened = open();
  const storage: Record<string, unknown> = {
    hasCapacity: (name: string) => capacities.includes(name),
    close: async () => (await opened).close(),
    destroy: async () => (await opened).destroy(),
  };
  for (const method of methods) {
    storage[method] = async (...args: unknown[]) => {
      const { storage: target } = await opened;
      return (target[method] as (...values: unknown[]) => unknown).apply(target, args);
    };
  }
  return storage as unknown as Storage;
}
