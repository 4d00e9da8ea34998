/**
 * Histogram gradient-boosted regression trees (squared loss), written for this project: no
 * well-kept JavaScript library does it. Features are cut into quantile bins once; each tree grows
 * leaf-wise (the leaf with the best gain splits next, up to maxLeaves and maxDepth), with the
 * histogram of the smaller child built and the larger one's obtained by subtraction. Rows are
 * subsampled per tree with a seeded generator, so training is deterministic: the same data,
 * parameters and seed give the same trees, bit for bit.
 *
 * A tree is flat arrays (JSON as it is): node i is a leaf when feature[i] < 0; otherwise a row goes
 * left when x[feature] ≤ threshold or x is NaN. Every node keeps its value (already multiplied by
 * the learning rate), so a prediction can be split into per-feature contributions along its path.
 */

/** Learner parameters (one set for everything; see rul-model.ts). */
export interface GbtParams {
  /** Boosting rounds. */
  trees: number;
  learningRate: number;
  maxDepth: number;
  maxLeaves: number;
  /** Fewest training rows in a leaf. */
  minLeaf: number;
  /** L2 penalty on leaf values. */
  l2: number;
  /** Share of rows each tree learns from (0, 1]. */
  subsample: number;
  /** Share of features each tree may split on (0, 1]. */
  colsample: number;
  /** Quantile bins per feature, 2 … 255. */
  bins: number;
  seed: number;
}

/** Defaults chosen on C-MAPSS FD001 (rul-model.ts's header). */
export const defaultGbtParams: GbtParams = Object.freeze({
  trees: 300,
  learningRate: 0.05,
  maxDepth: 6,
  maxLeaves: 24,
  minLeaf: 40,
  l2: 1,
  subsample: 0.5,
  colsample: 0.5,
  bins: 64,
  seed: 1,
});

/** One tree as flat node arrays. */
export interface GbtTree {
  feature: number[];
  threshold: number[];
  left: number[];
  right: number[];
  value: number[];
  gain: number[];
}

/** A trained ensemble: prediction = base + Σ trees' leaf values. */
export interface GbtModel {
  base: number;
  features: number;
  trees: GbtTree[];
}

/** Small seeded generator (mulberry32): deterministic across platforms. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Problem with learner parameters, or undefined. */
export function gbtParamsProblem(params: GbtParams): string | undefined {
  const whole = (value: number, low: number, high: number): boolean => Number.isInteger(value) && value >= low && value <= high;
  const share = (value: number): boolean => typeof value === 'number' && value > 0 && value <= 1;
  if (!whole(params.trees, 1, 5000)) return 'trees must be a whole number from 1 to 5000';
  if (!(params.learningRate > 0 && params.learningRate <= 1)) return 'learningRate must be in (0, 1]';
  if (!whole(params.maxDepth, 1, 16)) return 'maxDepth must be a whole number from 1 to 16';
  if (!whole(params.maxLeaves, 2, 1024)) return 'maxLeaves must be a whole number from 2 to 1024';
  if (!whole(params.minLeaf, 1, 1_000_000)) return 'minLeaf must be a whole number ≥ 1';
  if (!(params.l2 >= 0 && Number.isFinite(params.l2))) return 'l2 must be ≥ 0';
  if (!share(params.subsample)) return 'subsample must be in (0, 1]';
  if (!share(params.colsample)) return 'colsample must be in (0, 1]';
  if (!whole(params.bins, 2, 255)) return 'bins must be a whole number from 2 to 255';
  if (!Number.isInteger(params.seed)) return 'seed must be a whole number';
  return undefined;
}

/** Bin edges per feature from quantiles of (at most 50 000 evenly strided) finite values. */
function binEdges(x: Float32Array, rows: number, features: number, bins: number): Float32Array[] {
  const step = Math.max(1, Math.floor(rows / 50_000));
  const edges: Float32Array[] = [];
  const buffer = new Float32Array(Math.ceil(rows / step));
  for (let f = 0; f < features; f += 1) {
    let n = 0;
    for (let i = 0; i < rows; i += step) {
      const v = x[i * features + f]!;
      if (!Number.isNaN(v)) buffer[n++] = v;
    }
    const sample = buffer.subarray(0, n).sort();
    const cuts: number[] = [];
    for (let b = 1; b < bins; b += 1) {
      const v = sample[Math.min(sample.length - 1, Math.floor((b * sample.length) / bins))];
      if (v !== undefined && (cuts.length === 0 || v > cuts[cuts.length - 1]!)) cuts.push(v);
    }
    // The largest value needs no edge of its own (everything above the last cut is the last bin).
    if (cuts.length > 0 && cuts[cuts.length - 1] === sample[sample.length - 1]) cuts.pop();
    edges.push(Float32Array.from(cuts));
  }
  return edges;
}

/** Bin of `value` among `cuts`: the first j with value ≤ cuts[j], else cuts.length; NaN → 0. */
function binOf(cuts: Float32Array, value: number): number {
  if (Number.isNaN(value)) return 0;
  let low = 0;
  let high = cuts.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if (value <= cuts[mid]!) high = mid;
    else low = mid + 1;
  }
  return low;
}

/** Gradient sums and counts per bin of the active features over rows index[start … end). */
function fillHistogram(binned: Uint8Array, rows: number, B: number, index: Uint32Array, gradient: Float64Array, ordered: Float64Array, active: Int32Array, activeCount: number, start: number, end: number, hist: Float64Array): void {
  for (let i = start; i < end; i += 1) ordered[i] = gradient[index[i]!]!;
  for (let a = 0; a < activeCount; a += 1) {
    const f = active[a]!;
    const column = binned.subarray(f * rows, (f + 1) * rows);
    const base = f * B * 2;
    hist.fill(0, base, base + 2 * B);
    for (let i = start; i < end; i += 1) {
      const slot = base + 2 * column[index[i]!]!;
      hist[slot]! += ordered[i]!;
      hist[slot + 1]! += 1;
    }
  }
}

interface Split {
  gain: number;
  feature: number;
  bin: number;
  gradLeft: number;
  countLeft: number;
}

interface Leaf {
  node: number;
  start: number;
  end: number;
  depth: number;
  grad: number;
  count: number;
  /** Per feature and bin: gradient sum at 2·slot, row count at 2·slot + 1 (undefined once not needed). */
  hist: Float64Array | undefined;
  split: Split | undefined;
}

/**
 * Fits an ensemble to rows of `x` (row-major, rows × features) and targets `y`.
 * `onTree(done, total)` is called after each tree.
 */
export function fitGbt(x: Float32Array, y: ArrayLike<number>, features: number, params: GbtParams, onTree?: (done: number, total: number) => void): GbtModel {
  const problem = gbtParamsProblem(params);
  if (problem) throw new RangeError(problem);
  const rows = y.length;
  if (rows < 1 || x.length !== rows * features) throw new RangeError('x must hold rows × features values');
  const B = params.bins;
  const edges = binEdges(x, rows, features, B);
  // Column-major bins: a histogram walks one feature's column at a time.
  const binned = new Uint8Array(rows * features);
  for (let i = 0; i < rows; i += 1) {
    for (let f = 0; f < features; f += 1) binned[f * rows + i] = binOf(edges[f]!, x[i * features + f]!);
  }
  let base = 0;
  for (let i = 0; i < rows; i += 1) base += y[i]!;
  base /= rows;
  const prediction = new Float64Array(rows).fill(base);
  const gradient = new Float64Array(rows);
  const random = seededRandom(params.seed);
  const index = new Uint32Array(rows);
  const lambda = params.l2;
  const trees: GbtTree[] = [];
  const allowed = new Uint8Array(features);
  const active = new Int32Array(features);
  let activeCount = 0;

  const pool: Float64Array[] = [];
  const take = (): Float64Array => pool.pop() ?? new Float64Array(features * B * 2);
  const ordered = new Float64Array(rows);
  const histogram = (start: number, end: number, hist: Float64Array): void => fillHistogram(binned, rows, B, index, gradient, ordered, active, activeCount, start, end, hist);

  const bestSplit = function bestSplit(leaf: Leaf): Split | undefined {
    if (leaf.depth >= params.maxDepth || leaf.count < 2 * params.minLeaf) return undefined;
    const parentScore = (leaf.grad * leaf.grad) / (leaf.count + lambda);
    const hist = leaf.hist!;
    let best: Split | undefined;
    for (let a = 0; a < activeCount; a += 1) {
      const f = active[a]!;
      const cuts = edges[f]!.length;
      let gl = 0;
      let nl = 0;
      for (let b = 0; b < cuts; b += 1) {
        gl += hist[2 * (f * B + b)]!;
        nl += hist[2 * (f * B + b) + 1]!;
        if (nl < params.minLeaf) continue;
        const nr = leaf.count - nl;
        if (nr < params.minLeaf) break;
        const gr = leaf.grad - gl;
        const gain = (gl * gl) / (nl + lambda) + (gr * gr) / (nr + lambda) - parentScore;
        if (gain > 1e-12 && (best === undefined || gain > best.gain)) best = { gain, feature: f, bin: b, gradLeft: gl, countLeft: nl };
      }
    }
    return best;
  };

  for (let t = 0; t < params.trees; t += 1) {
    for (let i = 0; i < rows; i += 1) gradient[i] = prediction[i]! - y[i]!;
    let used = 0;
    for (let i = 0; i < rows; i += 1) if (params.subsample >= 1 || random() < params.subsample) index[used++] = i;
    if (used === 0) index[used++] = Math.floor(random() * rows);
    let allowedCount = 0;
    for (let f = 0; f < features; f += 1) {
      allowed[f] = params.colsample >= 1 || random() < params.colsample ? 1 : 0;
      allowedCount += allowed[f]!;
    }
    if (allowedCount === 0) allowed[Math.floor(random() * features)] = 1;
    activeCount = 0;
    for (let f = 0; f < features; f += 1) if (allowed[f]) active[activeCount++] = f;

    const tree: GbtTree = { feature: [], threshold: [], left: [], right: [], value: [], gain: [] };
    const addNode = (grad: number, count: number): number => {
      tree.feature.push(-1);
      tree.threshold.push(0);
      tree.left.push(-1);
      tree.right.push(-1);
      tree.value.push((-grad / (count + lambda)) * params.learningRate);
      tree.gain.push(0);
      return tree.feature.length - 1;
    };
    let grad = 0;
    for (let i = 0; i < used; i += 1) grad += gradient[index[i]!]!;
    const root: Leaf = { node: addNode(grad, used), start: 0, end: used, depth: 0, grad, count: used, hist: take(), split: undefined };
    histogram(0, used, root.hist!);
    root.split = bestSplit(root);
    if (!root.split) pool.push(root.hist!);
    const open: Leaf[] = [root];
    let leaves = 1;
    while (leaves < params.maxLeaves) {
      let pick = -1;
      for (let l = 0; l < open.length; l += 1) {
        const split = open[l]!.split;
        if (split && (pick < 0 || split.gain > open[pick]!.split!.gain)) pick = l;
      }
      if (pick < 0) break;
      const leaf = open[pick]!;
      open.splice(pick, 1);
      const split = leaf.split!;
      // Partition the leaf's rows in place: bins ≤ split.bin first.
      let a = leaf.start;
      let b = leaf.end - 1;
      while (a <= b) {
        if (binned[split.feature * rows + index[a]!]! <= split.bin) a += 1;
        else {
          const swap = index[a]!;
          index[a] = index[b]!;
          index[b] = swap;
          b -= 1;
        }
      }
      const node = leaf.node;
      tree.feature[node] = split.feature;
      tree.threshold[node] = edges[split.feature]![split.bin]!;
      tree.gain[node] = split.gain;
      const countRight = leaf.count - split.countLeft;
      const gradRight = leaf.grad - split.gradLeft;
      const left: Leaf = { node: addNode(split.gradLeft, split.countLeft), start: leaf.start, end: a, depth: leaf.depth + 1, grad: split.gradLeft, count: split.countLeft, hist: undefined, split: undefined };
      const right: Leaf = { node: addNode(gradRight, countRight), start: a, end: leaf.end, depth: leaf.depth + 1, grad: gradRight, count: countRight, hist: undefined, split: undefined };
      tree.left[node] = left.node;
      tree.right[node] = right.node;
      // The smaller child's histogram is built; the larger one's is the parent's minus it.
      const [small, large] = split.countLeft <= countRight ? [left, right] : [right, left];
      // A child that cannot split needs no histogram (unless the other one is derived from it).
      const splittable = (child: Leaf): boolean => child.depth < params.maxDepth && child.count >= 2 * params.minLeaf;
      if (splittable(large)) {
        small.hist = take();
        large.hist = leaf.hist!;
        histogram(small.start, small.end, small.hist);
        const smallHist = small.hist;
        const largeHist = large.hist;
        for (let a = 0; a < activeCount; a += 1) {
          for (let s = active[a]! * B * 2, end = s + 2 * B; s < end; s += 1) largeHist[s]! -= smallHist[s]!;
        }
      } else {
        pool.push(leaf.hist!);
        if (splittable(small)) {
          small.hist = take();
          histogram(small.start, small.end, small.hist);
        }
      }
      leaf.hist = undefined;
      for (const child of [left, right]) {
        child.split = child.hist ? bestSplit(child) : undefined;
        if (!child.split && child.hist) {
          pool.push(child.hist);
          child.hist = undefined;
        }
      }
      open.push(left, right);
      leaves += 1;
    }
    for (const leaf of open) if (leaf.hist) pool.push(leaf.hist);
    trees.push(tree);
    for (let i = 0; i < rows; i += 1) prediction[i]! += predictTree(tree, x, i * features);
    onTree?.(t + 1, params.trees);
  }
  return { base, features, trees };
}

/** Leaf value of one tree for the row at x[offset …]. */
function predictTree(tree: GbtTree, x: ArrayLike<number>, offset: number): number {
  let node = 0;
  for (let f = tree.feature[0]!; f >= 0; f = tree.feature[node]!) {
    const v = x[offset + f]!;
    node = v <= tree.threshold[node]! || Number.isNaN(v) ? tree.left[node]! : tree.right[node]!;
  }
  return tree.value[node]!;
}

/** Prediction for the row at x[offset … offset + features). */
export function predictGbt(model: GbtModel, x: ArrayLike<number>, offset = 0): number {
  let sum = model.base;
  for (const tree of model.trees) sum += predictTree(tree, x, offset);
  return sum;
}

/**
 * Per-feature contributions to one prediction (Saabas: each split on the row's path credits its
 * feature with the change of node value), written into `out` (length ≥ features); returns the prediction.
 */
export function contributionsGbt(model: GbtModel, x: ArrayLike<number>, out: Float64Array, offset = 0): number {
  out.fill(0);
  let sum = model.base;
  for (const tree of model.trees) {
    let node = 0;
    sum += tree.value[0]!;
    for (let f = tree.feature[0]!; f >= 0; f = tree.feature[node]!) {
      const v = x[offset + f]!;
      const next = v <= tree.threshold[node]! || Number.isNaN(v) ? tree.left[node]! : tree.right[node]!;
      const change = tree.value[next]! - tree.value[node]!;
      out[f]! += change;
      sum += change;
      node = next;
    }
  }
  return sum;
}

/** Total split gain per feature (the model's global importance). */
export function gainImportance(model: GbtModel): Float64Array {
  const gain = new Float64Array(model.features);
  for (const tree of model.trees) for (let n = 0; n < tree.feature.length; n += 1) if (tree.feature[n]! >= 0) gain[tree.feature[n]!]! += tree.gain[n]!;
  return gain;
}

const MAX_NODES = 2_000_000;

/** Problem with a GbtModel from outside (shape, indices, finiteness, size), or undefined. */
export function gbtModelProblem(json: unknown, features?: number): string | undefined {
  if (typeof json !== 'object' || json === null) return 'must be an object';
  const model = json as Record<string, unknown>;
  if (typeof model.base !== 'number' || !Number.isFinite(model.base)) return 'base must be a finite number';
  if (typeof model.features !== 'number' || !Number.isInteger(model.features) || model.features < 1 || model.features > 100_000) return 'features must be a whole number from 1 to 100000';
  if (features !== undefined && model.features !== features) return `features must be ${features}`;
  if (!Array.isArray(model.trees) || model.trees.length < 1 || model.trees.length > 5000) return 'trees must list 1 to 5000 trees';
  let nodes = 0;
  for (let t = 0; t < model.trees.length; t += 1) {
    const tree = model.trees[t] as Record<string, unknown> | null;
    if (typeof tree !== 'object' || tree === null) return `trees[${t}] must be an object`;
    const { feature, threshold, left, right, value, gain } = tree;
    if (!Array.isArray(feature) || feature.length < 1) return `trees[${t}].feature must be a non-empty array`;
    const n = feature.length;
    nodes += n;
    if (nodes > MAX_NODES) return `more than ${MAX_NODES} nodes`;
    for (const [name, array] of [['threshold', threshold], ['left', left], ['right', right], ['value', value], ['gain', gain]] as const) {
      if (!Array.isArray(array) || array.length !== n) return `trees[${t}].${name} must have ${n} entries`;
      if (!array.every((v) => typeof v === 'number' && Number.isFinite(v))) return `trees[${t}].${name} must hold finite numbers`;
    }
    for (let i = 0; i < n; i += 1) {
      const f = feature[i];
      if (typeof f !== 'number' || !Number.isInteger(f) || f < -1 || f >= model.features) return `trees[${t}].feature[${i}] out of range`;
      if (f >= 0) {
        // Children come after their parent: the tree is acyclic and every walk ends.
        const l = (left as number[])[i]!;
        const r = (right as number[])[i]!;
        if (!Number.isInteger(l) || !Number.isInteger(r) || l <= i || r <= i || l >= n || r >= n) return `trees[${t}] node ${i} has bad children`;
      }
    }
  }
  return undefined;
}
