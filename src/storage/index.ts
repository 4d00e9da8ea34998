// Public surface of the storage layer: the jIO-style Storage contract, its errors and the registry.
// Gadgets import only from here (types and createStorage), never a storage implementation.
export type {
  AllDocsOptions,
  AllDocsResult,
  AllDocsRow,
  AllAttachmentsOptions,
  AttachmentData,
  AttachmentFormat,
  AttachmentInfo,
  AttachmentWriteOptions,
  BulkWrite,
  Capacity,
  Change,
  ChangesOptions,
  ChangesResult,
  Doc,
  DocWrite,
  DocWriteResult,
  GetAttachmentOptions,
  Storage,
  StorageDescription,
} from './storage';
export { StorageError, type StorageErrorCode } from './errors';
export { createStorage, registerStorage, type StorageFactory } from './registry';
export { databaseName } from './indexeddb/indexeddb-storage';
export { CRYPT_PARAMS_ID } from './crypt/crypt-storage';
export { ReplicateStorage, type ReplicateOptions, type SyncProgress, type SyncReport } from './replicate/replicate-storage';
export type { ConflictRecord, Refusal } from './replicate/signatures';
export { attachmentInWindow, type AttachmentWindow } from './replicate/attachment-window';
