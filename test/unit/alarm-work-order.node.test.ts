// "Create work order" from an alarm writes a v2 work order through the model (newWorkOrder):
// a created history entry by the signed-in user and the priority the alarm's severity calls for.
import 'fake-indexeddb/auto';
import { afterEach, describe, expect, it } from 'vitest';
import { createWorkOrderFromAlarm, type AlarmRow } from '../../src/controllers';
import { workOrderProblem, type Severity, type WorkOrder } from '../../src/core';
import { createStorage, type Storage } from '../../src/storage';
import { uniqueName } from '../conformance/helpers';

const opened: Storage[] = [];
afterEach(async () => {
  for (const storage of opened.splice(0)) await storage.destroy().catch(() => undefined);
});

function alarm(severity: Severity): AlarmRow {
  return {
    id: `alarm/bearing-hot/t01/${severity}`,
    pending: 0,
    type: 'alarm',
    site: 'site/north',
    asset: 'asset/north/t01',
    channel: 'channel/t01/bearing',
    rule: 'alarm_rule/bearing-hot',
    rule_title: 'Bearing hot',
    message: 'Bearing temperature above 80 °C',
    severity,
    state: 'active_unacked',
    raised_at: Date.UTC(2026, 11, 2, 7),
    count: 1,
    history: [],
  };
}

describe('createWorkOrderFromAlarm', () => {
  const cases: Array<[Severity, string]> = [
    ['critical', 'urgent'],
    ['high', 'high'],
    ['medium', 'medium'],
    ['low', 'low'],
  ];
  for (const [severity, priority] of cases) {
    it(`a ${severity} alarm gives ${priority} work with a created entry by the user`, async () => {
      const storage = createStorage({ type: 'indexeddb', database: uniqueName('alarm-work-order') });
      opened.push(storage);
      const now = Date.UTC(2026, 11, 2, 8);
      const id = await createWorkOrderFromAlarm(alarm(severity), { asset: 'Turbine T01' }, { storage, by: 'tess', now, target: new EventTarget() });
      const order = (await storage.get(id)) as unknown as WorkOrder;
      expect(workOrderProblem(order)).toBeUndefined();
      expect(order).toMatchObject({
        type: 'work_order',
        site: 'site/north',
        asset: 'asset/north/t01',
        status: 'open',
        priority,
        alarm: `alarm/bearing-hot/t01/${severity}`,
        title: 'Turbine T01: Bearing temperature above 80 °C',
        created_by: 'tess',
        created_at: '2026-12-02T08:00:00.000Z',
        updated_by: 'tess',
      });
      expect(order.history).toHaveLength(1);
      expect(order.history![0]).toMatchObject({ action: 'created', by: 'tess', at: '2026-12-02T08:00:00.000Z' });
      const actions = await storage.allDocs({ query: 'type:alarm_action', include_docs: true });
      expect(actions.rows.map((row) => row.doc)).toEqual([expect.objectContaining({ action: 'link_work_order', work_order: id, by: 'tess' })]);
    });
  }
});
