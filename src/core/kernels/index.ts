// The kernels, by name: pure functions over Float32Array chunks (see kernel.ts for the contract).
import type { Kernel } from './kernel';
import { max, mean, min, peakToPeak, rms, sum, variance } from './reductions';
import { crossings, histogram, m4 } from './shapes';
import { spectrum } from './spectrum';
import { blockMax, escalatedMax } from './blocks';
import { energyMwh, operatingHours } from './usage';

export type { Chunk, Kernel } from './kernel';
export { KernelError, decodeState, encodeState, runKernel } from './kernel';
export { chunkMax, chunkMin } from './reductions';
export type { HistogramParams, HistogramState, M4Params, M4State, CrossingsParams } from './shapes';
export { histogramBin, histogramEdges, m4Bucket, m4BucketStart } from './shapes';
export type { SpectrumParams, SpectrumResult } from './spectrum';
export { fft } from './spectrum';
export type { BlockParams, BlockMaxState, Drainable } from './blocks';
export type { EnergyParams, OperatingHoursParams, UsageState } from './usage';
export { powerToMegawatts } from './usage';
export { max, mean, min, peakToPeak, rms, sum, variance, crossings, histogram, m4, spectrum, blockMax, escalatedMax, operatingHours, energyMwh };

/** Every kernel by its name (what transformations and engines refer to). */
export const kernels = {
  max,
  min,
  sum,
  mean,
  variance,
  rms,
  peak_to_peak: peakToPeak,
  histogram,
  crossings,
  m4,
  spectrum,
  block_max: blockMax,
  escalated_max: escalatedMax,
  operating_hours: operatingHours,
  energy_mwh: energyMwh,
} as const;

export type KernelName = keyof typeof kernels;

/** The kernel called `name`, or undefined. */
export function kernelByName(name: string): Kernel<unknown, unknown, unknown> | undefined {
  return Object.hasOwn(kernels, name) ? (kernels[name as KernelName] as unknown as Kernel<unknown, unknown, unknown>) : undefined;
}
