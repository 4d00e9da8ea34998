/** Base of storages that wrap a sub-storage and change only some operations (query, uuid). */
import type {
  AllAttachmentsOptions,
  AllDocsOptions,
  AllDocsResult,
  AttachmentData,
  AttachmentInfo,
  AttachmentWriteOptions,
  Capacity,
  ChangesOptions,
  ChangesResult,
  Doc,
  DocWrite,
  DocWriteResult,
  GetAttachmentOptions,
  Storage,
} from '../storage';

export class PassThroughStorage implements Storage {
  protected readonly sub: Storage;
  /** Present only when the sub-storage has it: callers test for the method as well as the capacity. */
  readonly bulkDocs?: (writes: DocWrite[]) => Promise<DocWriteResult[]>;

  constructor(sub: Storage) {
    this.sub = sub;
    if (sub.bulkDocs) this.bulkDocs = (writes) => sub.bulkDocs!(writes);
  }

  get(id: string): Promise<Doc> {
    return this.sub.get(id);
  }
  put(id: string, doc: Doc): Promise<string> {
    return this.sub.put(id, doc);
  }
  post(doc: Doc): Promise<string> {
    return this.sub.post(doc);
  }
  remove(id: string): Promise<string> {
    return this.sub.remove(id);
  }
  allDocs(options?: AllDocsOptions): Promise<AllDocsResult> {
    return this.sub.allDocs(options);
  }
  putAttachment(id: string, name: string, data: AttachmentData, contentType?: string, options?: AttachmentWriteOptions): Promise<void> {
    return this.sub.putAttachment(id, name, data, contentType, options);
  }
  getAttachment(id: string, name: string, options?: GetAttachmentOptions): Promise<never> {
    return this.sub.getAttachment(id, name, options) as Promise<never>;
  }
  removeAttachment(id: string, name: string, options?: AttachmentWriteOptions): Promise<void> {
    return this.sub.removeAttachment(id, name, options);
  }
  allAttachments(id: string, options?: AllAttachmentsOptions): Promise<Record<string, AttachmentInfo>> {
    return this.sub.allAttachments(id, options);
  }
  hasCapacity(name: Capacity | string): boolean {
    return this.sub.hasCapacity(name);
  }
  changes(options?: ChangesOptions): Promise<ChangesResult> {
    return this.sub.changes(options);
  }
  repair(): Promise<{ fixed: number }> {
    return this.sub.repair();
  }
  close(): Promise<void> {
    return this.sub.close();
  }
  destroy(): Promise<void> {
    return this.sub.destroy();
  }
}
