// Channel arrays in Node: over memory and over IndexedDB (fake-indexeddb); test/browser runs the
// same suite over Chromium's IndexedDB.
import 'fake-indexeddb/auto';
import { arraysConformance } from '../conformance/arrays-conformance';
import { uniqueName } from '../conformance/helpers';
import { describe, expect, it } from 'vitest';
import { ChannelArray, CHUNK_SIZE } from '../../src/arrays';
import { createStorage } from '../../src/storage';

arraysConformance('memory', () => ({ type: 'memory' }));
arraysConformance('indexeddb', () => ({ type: 'indexeddb', database: uniqueName('arrays') }));

describe('a pinned copy without its old chunks', () => {
  it('still tells the time of any sample (estimated where the times chunk is not on the device)', async () => {
    const storage = createStorage({ type: 'memory' });
    const array = await ChannelArray.create(storage, 'a', { timing: 'explicit' });
    const count = CHUNK_SIZE * 2 + 10;
    const times = Float64Array.from({ length: count }, (_, index) => 1_000_000 + index * 10);
    await array.append(new Float32Array(count).fill(1), times);
    // What a pin with a short window leaves: the old chunk's samples and times stay on the server.
    await storage.removeAttachment('a', 'times/0');
    await storage.removeAttachment('a', 'values/0');
    const copy = await ChannelArray.open(storage, 'a');
    const probes = [0, 1000, CHUNK_SIZE - 1, CHUNK_SIZE, CHUNK_SIZE * 2 + 5];
    const found = await copy.timesAt(probes);
    probes.forEach((index, position) => expect(found[position]).toBeCloseTo(times[index]!, -1));
    // Samples that are not here are a clear 404, not wrong data.
    await expect(copy.read(0, 10)).rejects.toMatchObject({ status: 404 });
  });
});
