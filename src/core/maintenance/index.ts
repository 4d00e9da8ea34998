// Field maintenance, pure: the work order lifecycle (who may change which status) and the edit
// functions every write goes through (new document out, one history entry each).
export type { Role, WorkOrderAction, WorkOrderTransition } from './lifecycle';
export { canTransition, mayEditWorkOrder, nextActions, transitionOf, workOrderTransitions } from './lifecycle';
export type { EditableWorkOrderField, NewWorkOrderFields, Who, WorkOrderEditErrorCode, WorkOrderPatch } from './work-order-edit';
export { WorkOrderEditError, addComment, addPhoto, editWorkOrder, editableWorkOrderFields, newWorkOrder, recordResult } from './work-order-edit';
