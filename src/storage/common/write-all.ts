/** Writes a list of writes: in one atomic `bulk` call where the storage offers it, else in order. */
import type { BulkWrite, Storage } from '../storage';

export async function writeAll(storage: Storage, writes: BulkWrite[]): Promise<void> {
  if (storage.bulk && storage.hasCapacity('bulk')) return storage.bulk(writes);
  for (const write of writes) {
    if (write.type === 'put') await storage.put(write.id, write.doc);
    else await storage.putAttachment(write.id, write.name, write.data, write.contentType);
  }
}
