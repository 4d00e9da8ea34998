/**
 * Runs in Chromium: channel arrays on IndexedDB at 100 M samples — append throughput, metadata
 * overhead, out-of-core max against reading the same chunks raw, and one-chunk reads at 1 M vs
 * 100 M samples.
 */
import { ChannelArray, CHUNK_SIZE } from '../../src/arrays';
import { CpuEngine } from '../../src/compute';
import { createStorage, type Storage } from '../../src/storage';
import { median } from './measure';


async function fill(storage: Storage, id: string, samples: number): Promise<{ array: ChannelArray; ms: number }> {
  const array = await ChannelArray.create(storage, id, { timing: 'regular' });
  const step = CHUNK_SIZE * 16;
  const values = new Float32Array(step);
  const started = performance.now();
  for (let from = 0; from < samples; from += step) {
    const count = Math.min(step, samples - from);
    for (let index = 0; index < count; index++) values[index] = Math.sin((from + index) * 0.0007) * 50;
    await array.append(count === step ? values : values.subarray(0, count), { t0: from, dt: 1 });
  }
  return { array, ms: performance.now() - started };
}

async function chunkReadMs(array: ChannelArray): Promise<number> {
  const chunks = Math.floor(array.length / CHUNK_SIZE);
  const times: number[] = [];
  for (let run = 0; run < 41; run++) {
    const chunk = (run * 7919) % chunks;
    const started = performance.now();
    await array.read(chunk * CHUNK_SIZE, (chunk + 1) * CHUNK_SIZE);
    if (run > 0) times.push(performance.now() - started);
  }
  return median(times);
}

export interface ArraysFigures {
  appendMBps: number;
  overheadRatio: number;
  outOfCoreMaxMs: number;
  rawReadMs: number;
  chunkRead1M: number;
  chunkRead100M: number;
}

async function run(samples = 100_000_000): Promise<ArraysFigures> {
  const storage = createStorage({ type: 'indexeddb', database: `arrays-bench-${Date.now()}` });
  try {
    const small = await fill(storage, 'one-million', 1_000_000);
    const { array, ms } = await fill(storage, 'hundred-million', samples);
    const engine = new CpuEngine();
    const maxTimes: number[] = [];
    const rawTimes: number[] = [];
    let expected: unknown;
    for (let run = 0; run < 3; run++) {
      let started = performance.now();
      const max = await engine.run('max', {}, array.chunks());
      maxTimes.push(performance.now() - started);
      if (run === 0) expected = max;
      else if (max !== expected) throw new Error('max differs between runs');
      // The same chunks, read and nothing else.
      started = performance.now();
      let bytes = 0;
      for (let chunk = 0; chunk * CHUNK_SIZE < array.length; chunk++) {
        const to = Math.min(array.length, (chunk + 1) * CHUNK_SIZE);
        bytes += (await storage.getAttachment(array.id, `values/${chunk}`, { format: 'array_buffer', start: 0, end: (to - chunk * CHUNK_SIZE) * 4 })).byteLength;
      }
      rawTimes.push(performance.now() - started);
      if (bytes !== array.length * 4) throw new Error('raw read was short');
    }
    return {
      appendMBps: (samples * 4) / ms / 1000,
      overheadRatio: await array.overheadRatio(),
      outOfCoreMaxMs: median(maxTimes),
      rawReadMs: median(rawTimes),
      chunkRead1M: await chunkReadMs(small.array),
      chunkRead100M: await chunkReadMs(array),
    };
  } finally {
    await storage.destroy();
  }
}

Object.assign(window, { arraysBench: { run }, benchReady: true });
export type ArraysBenchApi = { run: typeof run };
