// The part of the compute layer that runs anywhere, the server included (no Worker, no WebGPU):
// the in-thread engine and the transformation runner.
export type { ComputeEngine, ComputeInput, EngineName } from './engine';
export { CpuEngine } from './cpu/cpu-engine';
export { TransformationRunner, defineTransformation } from './runner/transformation-runner';
export type { Progress, TransformationDefinition, TransformationDoc } from './runner/transformation-runner';
export { inThreadAnomalyScorer } from './anomaly/anomaly-scorer';
export type { AnomalyScored, AnomalyScorer } from './anomaly/anomaly-scorer';
export { LocalAnomalyRunner } from './runner/anomaly-runner';
export type { AnomalyRunDoc, LocalAnomalyRun, LocalAnomalyRunnerOptions } from './runner/anomaly-runner';
