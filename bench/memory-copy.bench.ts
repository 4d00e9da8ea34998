/**
 * Baseline: Float32Array copy bandwidth in Node and in Chromium. Later benchmarks (chunked reads,
 * kernels, chart drawing) report ratios against these figures measured in the same run, so their
 * numbers hold on a noisy or slower machine.
 */
import { chromium } from 'playwright';
import { chromiumLaunchArgs, chromiumPath } from '../test/support/chromium';
import type { Figures } from './harness';

const floats = 16 * 1024 * 1024; // 64 MiB: far larger than any CPU cache, so this measures memory
const runs = 9;

/**
 * Copies a Float32Array into another `runs` times after a warm-up and returns the median bandwidth
 * in GB/s of bytes copied (each byte counted once, as compute.bench's memory.copy.gbps counts it,
 * so every "copy bandwidth" figure here means the same thing). Self-contained: it is also sent into the browser as source text.
 */
function copyBandwidth(count: number, repetitions: number): number {
  const source = new Float32Array(count);
  for (let i = 0; i < count; i++) source[i] = i * 0.5;
  const target = new Float32Array(count);
  target.set(source); // warm-up: pages faulted in, code optimised
  const rates: number[] = [];
  for (let run = 0; run < repetitions; run++) {
    const started = performance.now();
    target.set(source);
    const seconds = (performance.now() - started) / 1000;
    rates.push((count * 4) / seconds / 1e9);
  }
  if (target[count - 1] !== source[count - 1]) throw new Error('copy went wrong');
  rates.sort((a, b) => a - b);
  return rates[Math.floor(rates.length / 2)]!;
}

export async function run(): Promise<Figures> {
  const nodeRate = copyBandwidth(floats, runs);
  const browser = await chromium.launch({ executablePath: chromiumPath(), args: chromiumLaunchArgs });
  let browserRate: number;
  try {
    const page = await browser.newPage();
    browserRate = await page.evaluate(
      ({ source, count, repetitions }) => {
        const fn = new Function(`return (${source})`)() as (n: number, r: number) => number;
        return fn(count, repetitions);
      },
      { source: copyBandwidth.toString(), count: floats, repetitions: runs },
    );
  } finally {
    await browser.close();
  }
  return {
    'memcpy Float32Array 64 MiB (node)': { value: round(nodeRate), unit: 'GB/s', better: 'higher' },
    'memcpy Float32Array 64 MiB (chromium)': { value: round(browserRate), unit: 'GB/s', better: 'higher' },
  };
}

function round(value: number): number {
  return Math.round(value * 100) / 100;
}
