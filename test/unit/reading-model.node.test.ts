// The reading document (core/model/reading.ts): what a manual reading may hold, each refusal naming the field.
import { describe, expect, it } from 'vitest';
import { MAX_READING_FIELDS, channelProblem, humanizeField, manualArrayId, manualChannelId, readingProblem } from '../../src/core';

const good = { type: 'reading', site: 'site/north', asset: 'asset/north/t01', at: Date.UTC(2026, 11, 1, 8), values: { gearbox_oil_level: 87.5 }, units: { gearbox_oil_level: '%' }, by: 'tess', work_order: 'work_order/abc', item: 'oil' };

describe('readingProblem', () => {
  it('accepts a well-formed reading, also without the optional fields', () => {
    expect(readingProblem(good)).toBeUndefined();
    expect(readingProblem({ type: 'reading', site: 'site/north', asset: 'asset/north/t01', at: 0, values: { a: -1 } })).toBeUndefined();
  });

  it.each([
    [{ ...good, type: 'channel' }, 'type "reading"'],
    [{ ...good, site: '' }, 'site'],
    [{ ...good, asset: 7 }, 'asset must be a string'],
    [{ ...good, at: '2026-12-01' }, 'at must be a finite number'],
    [{ ...good, at: Number.NaN }, 'at must be a finite number'],
    [{ ...good, at: 9e15 }, 'at (9000000000000000)'],
    [{ ...good, values: {} }, 'at least one field'],
    [{ ...good, values: [1] }, 'values must be an object'],
    [{ ...good, values: { oil: '87' }, units: undefined }, 'values["oil"] must be a finite number'],
    [{ ...good, values: { oil: Infinity }, units: undefined }, 'values["oil"] must be a finite number'],
    [{ ...good, values: { oil: 1e39 }, units: undefined }, 'values["oil"] (1e+39) is beyond'],
    [{ ...good, values: { '': 1 }, units: undefined }, 'must not be empty'],
    [{ ...good, values: { 'a\u0000b': 1 }, units: undefined }, 'NUL'],
    [{ ...good, values: { ['x\ud800']: 1 }, units: undefined }, 'lone surrogate'],
    [{ ...good, values: { ['f'.repeat(201)]: 1 }, units: undefined }, 'at most 200 characters'],
    [{ ...good, units: { other: '%' } }, 'units["other"] names no field'],
    [{ ...good, units: { gearbox_oil_level: 5 } }, 'units["gearbox_oil_level"] must be a string'],
    [{ ...good, by: '' }, 'by must not be empty'],
    [{ ...good, work_order: 'alarm/x' }, 'work_order must be the id of a work order'],
  ])('refuses %j naming what is wrong', (doc, message) => {
    expect(readingProblem(doc)).toContain(message);
  });

  it('takes at most MAX_READING_FIELDS values', () => {
    const values = (count: number) => Object.fromEntries(Array.from({ length: count }, (_, index) => [`f${index}`, index]));
    expect(readingProblem({ ...good, values: values(MAX_READING_FIELDS + 1), units: undefined })).toContain(`at most ${MAX_READING_FIELDS} fields`);
    expect(readingProblem({ ...good, values: values(MAX_READING_FIELDS), units: undefined })).toBeUndefined();
  });

  it('checks the time against the bounds it is given (the server passes the ingest window)', () => {
    const bounds = { min: Date.UTC(2000, 0, 1), max: Date.UTC(2026, 11, 2) };
    expect(readingProblem(good, bounds)).toBeUndefined();
    expect(readingProblem({ ...good, at: Date.UTC(1999, 0, 1) }, bounds)).toContain('before 2000-01-01T00:00:00.000Z, the earliest accepted (INGEST_MIN_TIME)');
    expect(readingProblem({ ...good, at: Date.UTC(2027, 0, 1) }, bounds)).toContain('INGEST_MAX_FUTURE_MS');
  });

  it('refuses a field whose channel id would be too long for the storage', () => {
    // 200 characters of 3-byte text are 1 800 characters percent-encoded.
    expect(readingProblem({ ...good, values: { ['€'.repeat(200)]: 1 }, units: undefined })).toContain('longer than 1024 bytes');
  });
});

describe('manual channel ids and titles', () => {
  it('encodes asset and field, so a / in either never reads as a separator', () => {
    expect(manualChannelId('asset/north/t01', 'oil/level')).toBe('channel/manual/asset%2Fnorth%2Ft01/oil%2Flevel');
    expect(manualArrayId('asset/north/t01', 'oil')).toBe('array/manual/asset%2Fnorth%2Ft01/oil');
  });

  it('humanises field names for the channel title', () => {
    expect(humanizeField('gearbox_oil_level')).toBe('Gearbox oil level');
    expect(humanizeField('mainBearingTemp')).toBe('Main bearing temp');
    expect(humanizeField('___')).toBe('___');
  });

  it('channel documents may say manual: true, nothing else', () => {
    const channel = { type: 'channel', site: 's', asset: 'a', source: 'manual', array: 'array/manual/a/f', field: 'f', title: 'F', unit: '' };
    expect(channelProblem({ ...channel, manual: true })).toBeUndefined();
    expect(channelProblem({ ...channel, manual: 'yes' })).toContain('manual must be true or absent');
  });
});
