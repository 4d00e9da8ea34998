// One lookup the runners share: a document that may not exist yet.
import { StorageError, type Doc, type Storage } from '../../storage/backend';

/** The document stored under `id`, or undefined when there is none (other errors throw). */
export async function storedDoc(storage: Storage, id: string): Promise<Doc | undefined> {
  try {
    return await storage.get(id);
  } catch (error) {
    if (error instanceof StorageError && error.status === 404) return undefined;
    throw error;
  }
}
