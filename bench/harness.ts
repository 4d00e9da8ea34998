/** Shared shape of benchmark scenarios and the figures they report (docs/architecture.md, "Benchmarks"). */
export interface Figure {
  value: number;
  unit: string;
  better: 'higher' | 'lower';
}

export type Figures = Record<string, Figure>;

/** A scenario module (`bench/<name>.bench.ts`) exports `run`, which returns its figures. */
export interface Scenario {
  run(): Promise<Figures>;
}
