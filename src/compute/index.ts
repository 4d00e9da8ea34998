// Public surface of the compute layer: engines that run core kernels, and the transformation runner.
export type { ComputeEngine, ComputeInput, EngineName } from './engine';
export { chunksOf, requireKernel } from './engine';
export { CpuEngine } from './cpu/cpu-engine';
export { WorkerPoolEngine } from './worker/worker-pool-engine';
export { createEngine } from './create-engine';
export { TransformationRunner, defineTransformation } from './runner/transformation-runner';
export type { Progress, TransformationDefinition, TransformationDoc } from './runner/transformation-runner';
export { inThreadAnomalyScorer } from './anomaly/anomaly-scorer';
export type { AnomalyScored, AnomalyScorer } from './anomaly/anomaly-scorer';
export { LocalAnomalyRunner } from './runner/anomaly-runner';
export type { AnomalyRunDoc, LocalAnomalyRun, LocalAnomalyRunnerOptions } from './runner/anomaly-runner';
