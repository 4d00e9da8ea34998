// The CSV uploader in real Chromium: its module worker inspects files off the main thread, and an
// offline import keeps the job and the file itself in real IndexedDB, for a later page to upload.
import { describe, expect, it } from 'vitest';
import { Uploader } from '../../src/controllers';
import { createStorage } from '../../src/storage';

const text = `Zeit;Temperatur [°C];Leistung (kW)\n${Array.from({ length: 5000 }, (_, row) => `${1_767_225_600 + row};${(20 + row / 1000).toFixed(3)};${row}`).join('\n')}\n`;

describe('Uploader in the browser', () => {
  it('inspects a file in its worker: delimiter, units, time column, rows estimate', async () => {
    const uploader = new Uploader({ outbox: createStorage({ type: 'memory' }), online: () => false });
    const inspection = await uploader.inspect(new File([text], 'readings.csv'));
    expect(inspection.dialect.delimiter).toBe(';');
    expect(inspection.dialect.columns).toEqual([
      { name: 'Zeit', unit: '' },
      { name: 'Temperatur', unit: '°C' },
      { name: 'Leistung', unit: 'kW' },
    ]);
    expect(inspection.preview[1]).toEqual({ time: 1_767_225_601_000, record: { Temperatur: 20.001, Leistung: 1 } });
    expect(inspection.estimatedRows).toBeGreaterThan(4000);
    expect(inspection.estimatedRows).toBeLessThan(6000);
    await expect(uploader.inspect(new File(['just one column\n1\n'], 'bad.csv'))).rejects.toThrow(/fewer than two columns/);
  });

  it('offline, the job and its file go to IndexedDB and a new page finds both', async () => {
    const database = `outbox-${crypto.randomUUID()}`;
    const outbox = createStorage({ type: 'indexeddb', database });
    const uploader = new Uploader({ outbox, online: () => false, retry: { first: 60_000, max: 60_000 } });
    const file = new File([text], 'offline.csv', { lastModified: 42 });
    const job = await uploader.add(file, await uploader.inspect(file), { site: 'site/S1' });
    expect(job).toMatchObject({ stored: true, name: 'offline.csv', site: 'site/S1' });
    const later = new Uploader({ outbox: createStorage({ type: 'indexeddb', database }), online: () => false });
    const [found] = await later.jobs();
    expect(found).toMatchObject({ id: job.id, stored: true, offset: 0 });
    const kept = (await createStorage({ type: 'indexeddb', database }).getAttachment(job.id, 'file', { format: 'text' })) as string;
    expect(kept).toBe(text);
    await outbox.destroy();
  });
});
