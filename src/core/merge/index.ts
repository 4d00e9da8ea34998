// Three-way merge of documents changed on two sides since a common base, and the policies of the
// types the replication merges (work orders, maintenance plans).
export type { MergePolicy, MergeResult, MergeRule } from './three-way-merge';
export { jsonEqual, mergeDocuments } from './three-way-merge';
export { maintenancePlanMergePolicy, mergePolicyFor, workOrderMergePolicy } from './policies';
