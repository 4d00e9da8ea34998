// Documents and the query table of the storage conformance suite: each query text with the ids it
// must return, whatever storage (or stack of storages) answers it.
import type { KeySchema } from '../../src/core';
import type { Doc } from '../../src/storage';

export const fixtureDocs: Record<string, Doc> = {
  'pump-1': { title: 'Pump 1', type: 'asset', asset_type: 'pump', site: 'T07', power: 150, tags: ['hydraulic', 'critical'], installed: '2021-03-04', active: true },
  'pump-2': { title: 'Pump 2', type: 'asset', asset_type: 'pump', site: 'T08', power: 75, tags: ['hydraulic'], installed: '2019-11-20', active: false },
  'fan-1': { title: 'Fan "big"', type: 'asset', asset_type: 'fan', site: 'T07', power: 1200, tags: [], installed: '2023-01-15T10:00:00Z', active: true },
  'ch-vib-x': { title: 'Vibration X', type: 'channel', site: 'T07', unit: 'mm/s', rate: 1000 },
  'ch-temp': { title: 'Temperature', type: 'channel', site: 'T08', unit: '°C', rate: 1 },
  'note-1': { title: '100% checked_ok', type: 'note', site: 'T07', text: 'Lager läuft heiß — Grüße' },
  'wo-9': { title: 'Replace bearing', type: 'work_item', site: 'T08', priority: '10' },
  'wo-10': { title: 'Inspect blade', type: 'work_item', site: 'T07', priority: '9' },
};

/** Keys the indexed IndexedDB stack indexes, so the table also exercises the query planner. */
export const indexedKeys = ['type', 'site', 'power', 'priority', 'tags', 'installed', 'title'];

export const queryTable: Array<{ query: string; ids: string[]; key_schema?: KeySchema }> = [
  { query: 'type:asset', ids: ['fan-1', 'pump-1', 'pump-2'] },
  { query: 'type:"work_item"', ids: ['wo-10', 'wo-9'] },
  { query: 'type:=channel', ids: ['ch-temp', 'ch-vib-x'] },
  { query: 'site:T07 AND type:channel', ids: ['ch-vib-x'] },
  { query: 'site:T07 type:channel', ids: ['ch-vib-x'] },
  { query: 'type:channel OR type:note', ids: ['ch-temp', 'ch-vib-x', 'note-1'] },
  { query: 'NOT type:asset', ids: ['ch-temp', 'ch-vib-x', 'note-1', 'wo-10', 'wo-9'] },
  { query: 'type:asset AND NOT site:T07', ids: ['pump-2'] },
  { query: '(type:asset OR type:channel) AND site:T08', ids: ['ch-temp', 'pump-2'] },
  { query: 'site:(T07 OR T08) AND type:note', ids: ['note-1'] },
  { query: 'power:>=150', ids: ['fan-1', 'pump-1'] },
  { query: 'power:<100', ids: ['pump-2'] },
  { query: 'power:>75 power:<=1200', ids: ['fan-1', 'pump-1'] },
  { query: 'type:asset AND power:!=150', ids: ['fan-1', 'pump-2'] },
  { query: 'rate:1e3', ids: ['ch-vib-x'] },
  { query: 'title:Pump%', ids: ['pump-1', 'pump-2'] },
  { query: 'title:%pump%', ids: ['pump-1', 'pump-2'] },
  { query: 'title:"Pump _"', ids: [] },
  { query: 'title:"Pump _%"', ids: ['pump-1', 'pump-2'] },
  { query: 'title:"_ump%"', ids: ['pump-1', 'pump-2'] },
  { query: 'title:"100\\% %"', ids: ['note-1'] },
  { query: 'title:"%checked\\_ok"', ids: ['note-1'] },
  { query: 'title:"Fan \\"big\\""', ids: ['fan-1'] },
  { query: '"Vibration X"', ids: ['ch-vib-x'] },
  { query: '%heiß%', ids: ['note-1'] },
  // Keyless terms are jIO's full-text search: each word is a case-insensitive substring of a field.
  { query: 'vibration', ids: ['ch-vib-x'] },
  { query: 'pump hydraulic', ids: ['pump-1', 'pump-2'] },
  { query: 'T07 fan', ids: ['fan-1'] },
  { query: '1200', ids: ['fan-1'] },
  { query: 'GRÜSSE OR grüße', ids: ['note-1'] },
  { query: 'NOT hydraulic AND type:asset', ids: ['fan-1'] },
  { query: '"checked\\_ok" 100\\%', ids: ['note-1'] },
  { query: 'unit:"°C"', ids: ['ch-temp'] },
  { query: 'tags:critical', ids: ['pump-1'] },
  { query: 'tags:hydraulic', ids: ['pump-1', 'pump-2'] },
  { query: 'active:true', ids: ['fan-1', 'pump-1'] },
  { query: 'priority:<"9"', ids: ['wo-9'] },
  { query: 'priority:>9', ids: [], key_schema: { key_set: { priority: { cast_to: 'string' } } } },
  { query: 'priority:>9', ids: ['wo-9'], key_schema: { key_set: { priority: { cast_to: 'number' } } } },
  { query: 'installed:<"2023-01-15T11:00:00+01:00"', ids: ['fan-1', 'pump-1', 'pump-2'] },
  { query: 'installed:<"2023-01-15T11:00:00+01:00"', ids: ['pump-1', 'pump-2'], key_schema: { key_set: { installed: { cast_to: 'date' } } } },
  { query: 'year:>=2021', ids: ['fan-1', 'pump-1'], key_schema: { key_set: { year: { read_from: 'installed', cast_to: 'date' } } } },
  { query: 'nothing:here', ids: [] },
];

export const badQueries = ['type:asset AND', '(type:asset', 'title:"unterminated', 'type:asset)', 'OR type:asset', 'type:'];
