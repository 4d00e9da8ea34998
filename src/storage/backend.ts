// The storage contract for code that runs everywhere, the server included: the types, the error
// and the helpers a storage implementation needs — and none of the browser storages (IndexedDB,
// WebCrypto), so Node code can import it without DOM types. Apps use index.ts.
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
export { applyAllDocsOptions } from './common/all-docs';
export { byteRange, readAs, toBlob } from './common/attachment-data';
export { MAX_ID_BYTES, checkDoc, checkId, idProblem } from './common/validate';
export { BULK_DOCS_LIMIT, checkDocWrites, decideDocWrites, expectFailure, failedWrite, type CheckedDocWrite, type CheckedDocWrites } from './common/bulk-docs';
export { writeAll } from './common/write-all';
export { checkExpectDigest, digestConflict } from './common/expect-digest';
