// Streaming, causal, unsupervised anomaly detector (issue 14, /work/notes/alarms.md §3).
export type { AnomalyParams, AnomalyState } from './detector';
export { defaultAnomalyParams, initAnomaly, scoreAnomaly } from './detector';
