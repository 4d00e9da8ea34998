// The part of the compute layer that runs anywhere, the server included (no Worker, no WebGPU):
// the in-thread engine and the transformation runner.
export type { ComputeEngine, ComputeInput, EngineName } from './engine';
export { CpuEngine } from './cpu/cpu-engine';
export { TransformationRunner, defineTransformation } from './runner/transformation-runner';
export type { Progress, TransformationDefinition, TransformationDoc, TransformationOptions, TransformationUserKernel } from './runner/transformation-runner';
export { InThreadUserKernels } from './sandbox/in-thread-user-kernels';
export { QuickJSSandbox, defaultSandboxLimits, loadUserKernel, sandboxLimits } from './sandbox/quickjs-sandbox';
export type { SandboxLimits, UserKernel } from './sandbox/quickjs-sandbox';
export { SandboxError, sandboxErrorFrom } from './sandbox/sandbox-error';
export type { SandboxErrorCode } from './sandbox/sandbox-error';
export { foldUserKernel } from './sandbox/fold-user-kernel';
export type { UserKernelExecutor, UserKernelFold } from './sandbox/user-kernel-executor';
export { SandboxClient, sandboxService } from './sandbox/sandbox-service';
export type { SandboxClientOptions, SandboxPort, SandboxReply, SandboxRequest } from './sandbox/sandbox-service';
export { inThreadAnomalyScorer } from './anomaly/anomaly-scorer';
export type { AnomalyScored, AnomalyScorer } from './anomaly/anomaly-scorer';
export { LocalAnomalyRunner } from './runner/anomaly-runner';
export type { AnomalyRunDoc, LocalAnomalyRun, LocalAnomalyRunnerOptions } from './runner/anomaly-runner';
