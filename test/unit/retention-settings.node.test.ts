// Retention settings from outside (a site document, a source's field metadata) are whole days from
// 1 to 36 500; anything else is refused with the field named, before anything is written.
import { describe, expect, it } from 'vitest';
import { channelProblem, siteProblem } from '../../src/core';
import { fieldsProblem } from '../../src/server/ingest/sources';

const hostile: unknown[] = [0, -1, 2.5, 36_501, 1e300, Number.NaN, '30', null, [30], { days: 30 }, true];

describe('retention_days from outside', () => {
  it.each(hostile)('refuses %j on a site, a channel and a source field', (value) => {
    expect(siteProblem({ type: 'site', title: 'North', retention_days: value })).toMatch(/retention_days must be a whole number of days from 1 to 36500/);
    expect(channelProblem({ type: 'channel', site: 's', asset: 'a', source: 'x', array: 'y', field: 'f', title: 'F', retention_days: value })).toMatch(/retention_days must be a whole number/);
    expect(fieldsProblem({ vib: { retention_days: value } })).toMatch(/fields\["vib"\]\.retention_days must be a whole number/);
  });

  it('takes whole days from 1 to 36 500', () => {
    for (const value of [1, 30, 36_500]) {
      expect(siteProblem({ type: 'site', title: 'North', retention_days: value })).toBeUndefined();
      expect(fieldsProblem({ vib: { retention_days: value } })).toBeUndefined();
    }
  });
});
