/** `uuid` storage: `post` gives each new document a random UUID (v4), then stores it in the sub-storage. */
import { PassThroughStorage } from '../common/pass-through';
import type { Capacity, Doc } from '../storage';

export class UuidStorage extends PassThroughStorage {
  override async post(doc: Doc): Promise<string> {
    return this.sub.put(crypto.randomUUID(), doc);
  }

  override hasCapacity(name: Capacity | string): boolean {
    return name === 'post' || this.sub.hasCapacity(name);
  }
}
