/**
 * The ground truth of the simulated fleet (`ground-truth/<site-slug>`): which faults were put into
 * which asset's signals, and when. Written by the simulator beside the data, so alarms and
 * predictions can be scored against it; never shown as measured data.
 */
import { firstProblem, isObject, numberProblem, textProblem } from './checks';

/** The faults the simulator knows. */
export const faultKinds = ['bearing_wear', 'stuck_sensor', 'dropout', 'icing', 'inverter_degradation', 'string_failure', 'soiling', 'performance_degradation'] as const;

export type FaultKind = (typeof faultKinds)[number];

/** One fault put into the signals. Times are epoch ms. */
export interface SimulatedFault {
  id: string;
  kind: FaultKind;
  asset: string;
  /** Channel ids or field names the fault shows in. */
  channels: string[];
  start: number;
  end?: number;
  /** When the part fails (a wear fault), possibly in the future. */
  failure_at?: number;
  /** The output's change per year (a performance_degradation fault; %/yr, compounding). */
  rate_pct_per_year?: number;
  description: string;
}

/** The ground truth document of one simulated site. */
export interface SimulationTruth {
  type: 'simulation_truth';
  site: string;
  simulated: true;
  seed: number;
  /** Epoch ms of the history's first sample at full resolution (the faults' frame). */
  start: number;
  /** Epoch ms of the first sample of the long, hourly history before `start` (absent or `start`: none). */
  long_start?: number;
  faults: SimulatedFault[];
}

/** JSON Schema of a ground truth document. */
export const simulationTruthSchema = {
  type: 'object',
  required: ['type', 'site', 'simulated', 'seed', 'start', 'faults'],
  properties: {
    type: { const: 'simulation_truth' },
    site: { type: 'string', minLength: 1 },
    simulated: { const: true },
    seed: { type: 'number' },
    start: { type: 'number' },
    long_start: { type: 'number' },
    faults: {
      type: 'array',
      items: {
        type: 'object',
        required: ['id', 'kind', 'asset', 'channels', 'start', 'description'],
        properties: {
          id: { type: 'string', minLength: 1 },
          kind: { type: 'string', enum: faultKinds },
          asset: { type: 'string', minLength: 1 },
          channels: { type: 'array', items: { type: 'string', minLength: 1 } },
          start: { type: 'number' },
          end: { type: 'number' },
          failure_at: { type: 'number' },
          rate_pct_per_year: { type: 'number', minimum: -100, maximum: 100 },
          description: { type: 'string' },
        },
      },
    },
  },
} as const;

function faultProblem(fault: unknown, index: number): string | undefined {
  const name = `faults[${index}]`;
  if (!isObject(fault)) return `${name} must be an object`;
  const problem = firstProblem(
    textProblem(`${name}.id`, fault.id),
    faultKinds.includes(fault.kind as FaultKind) ? undefined : `${name}.kind must be one of ${faultKinds.join(', ')}`,
    textProblem(`${name}.asset`, fault.asset, 1000),
    Array.isArray(fault.channels) && fault.channels.every((channel) => typeof channel === 'string' && channel !== '') ? undefined : `${name}.channels must be a list of channel ids or field names`,
    numberProblem(`${name}.start`, fault.start),
    fault.end === undefined ? undefined : numberProblem(`${name}.end`, fault.end),
    fault.failure_at === undefined ? undefined : numberProblem(`${name}.failure_at`, fault.failure_at),
    fault.rate_pct_per_year === undefined ? undefined : numberProblem(`${name}.rate_pct_per_year`, fault.rate_pct_per_year, -100, 100),
    typeof fault.description === 'string' ? undefined : `${name}.description must be a string`,
  );
  if (problem) return problem;
  if (typeof fault.end === 'number' && fault.end < (fault.start as number)) return `${name}.end is before its start`;
  if (fault.kind === 'performance_degradation' && fault.rate_pct_per_year === undefined) return `${name}.rate_pct_per_year is required for a performance_degradation fault`;
  return undefined;
}

/** Why `doc` is not a ground truth document (undefined: it is). */
export function simulationTruthProblem(doc: unknown): string | undefined {
  if (!isObject(doc)) return 'ground truth must be an object';
  if (doc.type !== 'simulation_truth') return 'ground truth has type "simulation_truth"';
  const problem = firstProblem(
    textProblem('site', doc.site, 1000),
    doc.simulated === true ? undefined : 'ground truth is simulated: true',
    numberProblem('seed', doc.seed),
    numberProblem('start', doc.start),
    doc.long_start === undefined ? undefined : numberProblem('long_start', doc.long_start),
    Array.isArray(doc.faults) ? undefined : 'faults must be a list',
  );
  if (problem) return problem;
  if (typeof doc.long_start === 'number' && doc.long_start > (doc.start as number)) return 'long_start is after start (the long history lies before it)';
  const faults = doc.faults as unknown[];
  for (let index = 0; index < faults.length; index++) {
    const fault = faultProblem(faults[index], index);
    if (fault) return fault;
  }
  return undefined;
}
