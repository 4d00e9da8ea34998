/** Words for a work order's page: facts, history entries and their changes (titles, never ids). */
import { workOrderHistoryLabels, workOrderKindLabels, workOrderPriorityLabels, workOrderStatusLabels, type HistoryEntry, type WorkOrder } from '../core';

/** Field names as people read them in the history. */
const fieldLabels: Readonly<Record<string, string>> = {
  site: 'Site',
  asset: 'Asset',
  title: 'Title',
  notes: 'Notes',
  kind: 'Kind',
  status: 'Status',
  priority: 'Priority',
  due: 'Due',
  assignee: 'Assignee',
  estimated_hours: 'Estimated hours',
  actual_hours: 'Actual hours',
  parts: 'Parts',
  alarm: 'Alarm',
  prediction: 'Prediction',
  plan: 'Plan',
  checklist: 'Checklist',
  photos: 'Photo',
};

/** A time for people: "1 Dec 2026, 09:30" in this device's locale and zone. */
export function formatWhen(iso: string | undefined): string {
  if (!iso) return '';
  const time = Date.parse(iso);
  if (!Number.isFinite(time)) return iso;
  return new Date(time).toLocaleString(undefined, { day: 'numeric', month: 'short', year: 'numeric', hour: '2-digit', minute: '2-digit' });
}

/** A day for people ("1 Dec 2026") from 'YYYY-MM-DD'. */
export function formatDay(day: string | undefined): string {
  if (!day || !/^\d{4}-\d{2}-\d{2}$/.test(day)) return day ?? '';
  const [year, month, date] = day.split('-').map(Number) as [number, number, number];
  return new Date(year, month - 1, date).toLocaleDateString(undefined, { day: 'numeric', month: 'short', year: 'numeric' });
}

/** One value of a change, in words: labels for statuses and priorities, part names, "—" for none. */
function valueInWords(field: string, value: unknown, titles: ReadonlyMap<string, string>): string {
  if (value === null || value === undefined || value === '') return '—';
  if (field === 'status' && typeof value === 'string') return workOrderStatusLabels[value as WorkOrder['status']] ?? value;
  if (field === 'priority' && typeof value === 'string') return workOrderPriorityLabels[value as keyof typeof workOrderPriorityLabels] ?? value;
  if (field === 'kind' && typeof value === 'string') return workOrderKindLabels[value as keyof typeof workOrderKindLabels] ?? value;
  if (field === 'due' && typeof value === 'string') return formatDay(value);
  if (value === 'pass') return 'Pass';
  if (value === 'fail') return 'Fail';
  if (typeof value === 'string') return titles.get(value) ?? value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (Array.isArray(value)) {
    const names = value.map((entry) => (entry && typeof entry === 'object' && 'name' in entry ? `${String((entry as { name: unknown }).name)}${'quantity' in entry ? ` × ${String((entry as { quantity: unknown }).quantity)}` : ''}` : entry && typeof entry === 'object' && 'label' in entry ? String((entry as { label: unknown }).label) : '…'));
    return names.length > 0 ? names.join(', ') : '—';
  }
  if (typeof value === 'object' && value !== null && 'id' in value) return titles.get(String((value as { id: unknown }).id)) ?? 'set';
  return 'changed';
}

/**
 * The changes of a history entry in words, one line each ("Priority: Medium → High"); checklist
 * entries name the item by its label, photo entries say nothing more than their label does.
 */
export function changesInWords(entry: HistoryEntry, doc: WorkOrder, titles: ReadonlyMap<string, string>): string[] {
  if (!entry.changes || entry.action === 'photo' || entry.action === 'created') return [];
  const items = new Map((doc.checklist ?? []).map((item) => [item.id, item]));
  return Object.entries(entry.changes).map(([field, change]) => {
    const item = entry.action === 'checklist' ? items.get(field) : undefined;
    const label = item ? item.label : (fieldLabels[field] ?? field);
    const unit = item?.unit && typeof change.to === 'number' ? ` ${item.unit}` : '';
    if (field === 'notes' || field === 'checklist') return `${label} changed`;
    return `${label}: ${valueInWords(field, change.from, titles)} → ${valueInWords(field, change.to, titles)}${unit}`;
  });
}

/** The label of a history entry ("Status changed", "Reopened"). */
export function historyLabel(entry: HistoryEntry): string {
  return workOrderHistoryLabels[entry.action] ?? entry.action;
}
