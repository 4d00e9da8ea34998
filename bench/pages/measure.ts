/** Timing helpers shared by the in-page benchmarks. */

/** Median of the samples: robust against one slow run on a noisy machine. */
export function median(samples: number[]): number {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

/** Milliseconds one call of `work` takes. */
export async function time(work: () => Promise<unknown> | unknown): Promise<number> {
  const started = performance.now();
  await work();
  return performance.now() - started;
}

/** Median milliseconds of `runs` calls of `work`, after one warm-up call. */
export async function timed(runs: number, work: () => Promise<unknown> | unknown): Promise<number> {
  await work(); // warm-up: code optimised, pipelines compiled, pages faulted in
  const times: number[] = [];
  for (let run = 0; run < runs; run++) times.push(await time(work));
  return median(times);
}
