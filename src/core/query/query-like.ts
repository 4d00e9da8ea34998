/**
 * SQL LIKE patterns of the query language, matched without backtracking: `%` is any run of
 * characters, `_` exactly one, `\%` and `\_` are literal; case-insensitive exactly as a
 * JavaScript `/…/i` regexp without the `u` flag (what this matcher replaced): UTF-16 code units,
 * each folded with `foldCodeUnit`.
 *
 * A pattern is cut at its `%` into segments. The first must match at the start, the last at the
 * end, and each one between is taken at its leftmost place after the previous one: the classic
 * greedy wildcard match, which needs no backtracking because a later place can only leave less
 * room to the rest. Segments without `_` are found with Knuth–Morris–Pratt, so such a pattern
 * costs O(text + pattern) whatever its shape (the regexp took exponential time on `%a%a%a%b`);
 * a segment with `_` is compared at each place in turn, O(text · segment) at worst.
 */

/** Counts the character comparisons of `LikePattern.matches`, so tests can bound the work done. */
export interface LikeMeter {
  steps: number;
}

/** A segment is a run of pattern code units between two `%`; ANY_ONE stands for `_`. */
const ANY_ONE = -1;

interface Segment {
  /** Folded code units, or ANY_ONE. */
  units: Int32Array;
  /** KMP failure table when the segment has no `_`, else undefined (compared place by place). */
  failure: Int32Array | undefined;
}

// Folds of code units ≥ 128, filled as they are met (-1: not yet computed); ASCII is computed inline.
let foldTable: Int32Array | undefined;

/**
 * The case fold of one UTF-16 code unit that a non-Unicode `/i` regexp compares (ECMAScript's
 * Canonicalize): the upper case when it is a single code unit, except that a non-ASCII unit never
 * folds into ASCII (so `ſ` is not `s` and `K` (Kelvin) is not `k`).
 */
export function foldCodeUnit(unit: number): number {
  if (unit < 128) return unit >= 97 && unit <= 122 ? unit - 32 : unit;
  foldTable ??= new Int32Array(65_536).fill(-1);
  let folded = foldTable[unit]!;
  if (folded < 0) {
    const upper = String.fromCharCode(unit).toUpperCase();
    folded = upper.length === 1 && upper.charCodeAt(0) >= 128 ? upper.charCodeAt(0) : unit;
    foldTable[unit] = folded;
  }
  return folded;
}

function failureTable(units: Int32Array): Int32Array {
  // failure[i]: length of the longest proper border of units[0..i].
  const failure = new Int32Array(units.length);
  let border = 0;
  for (let index = 1; index < units.length; index++) {
    while (border > 0 && units[index] !== units[border]) border = failure[border - 1]!;
    if (units[index] === units[border]) border++;
    failure[index] = border;
  }
  return failure;
}

/** A compiled LIKE pattern. */
export class LikePattern {
  readonly #segments: Segment[];
  /** False when the pattern has no `%`: then its one segment must be the whole text. */
  readonly #hasRun: boolean;

  /** Compiles `pattern` (every `%` and `_` is a wildcard unless a backslash precedes it). */
  constructor(pattern: string) {
    const segments: number[][] = [[]];
    for (let index = 0; index < pattern.length; index++) {
      const unit = pattern.charCodeAt(index);
      const next = pattern[index + 1];
      if (unit === 0x5c && (next === '%' || next === '_')) segments.at(-1)!.push(foldCodeUnit(pattern.charCodeAt(++index)));
      else if (unit === 0x25) segments.push([]);
      else if (unit === 0x5f) segments.at(-1)!.push(ANY_ONE);
      else segments.at(-1)!.push(foldCodeUnit(unit));
    }
    this.#hasRun = segments.length > 1;
    this.#segments = segments.map((list) => {
      const units = Int32Array.from(list);
      return { units, failure: units.includes(ANY_ONE) ? undefined : failureTable(units) };
    });
  }

  /** True when the whole of `text` matches the pattern; `meter` counts the comparisons made. */
  matches(text: string, meter?: LikeMeter): boolean {
    const segments = this.#segments;
    const first = segments[0]!;
    if (!this.#hasRun) return text.length === first.units.length && this.#matchesAt(text, 0, first, meter);
    const last = segments.at(-1)!;
    // The last segment is pinned to the end; the others must fit in [position, limit).
    const limit = text.length - last.units.length;
    if (limit < first.units.length || !this.#matchesAt(text, 0, first, meter)) return false;
    let position = first.units.length;
    for (let index = 1; index < segments.length - 1; index++) {
      const segment = segments[index]!;
      const found = segment.failure ? this.#search(text, position, limit, segment, meter) : this.#scan(text, position, limit, segment, meter);
      if (found < 0) return false;
      position = found + segment.units.length;
    }
    return this.#matchesAt(text, limit, last, meter);
  }

  /** Whether `segment` matches text[at, at + length). */
  #matchesAt(text: string, at: number, segment: Segment, meter: LikeMeter | undefined): boolean {
    const units = segment.units;
    for (let index = 0; index < units.length; index++) {
      if (meter) meter.steps++;
      const unit = units[index]!;
      if (unit !== ANY_ONE && unit !== foldCodeUnit(text.charCodeAt(at + index))) return false;
    }
    return true;
  }

  /** Leftmost place ≥ from where a `_`-free segment lies wholly before `limit` (-1: none), by KMP. */
  #search(text: string, from: number, limit: number, segment: Segment, meter: LikeMeter | undefined): number {
    const units = segment.units;
    const failure = segment.failure!;
    if (units.length === 0) return from;
    let matched = 0;
    for (let index = from; index < limit; index++) {
      const unit = foldCodeUnit(text.charCodeAt(index));
      if (meter) meter.steps++;
      while (matched > 0 && units[matched] !== unit) {
        matched = failure[matched - 1]!;
        if (meter) meter.steps++;
      }
      if (units[matched] === unit) matched++;
      if (matched === units.length) return index + 1 - units.length;
    }
    return -1;
  }

  /** Leftmost place ≥ from where a segment with `_` lies wholly before `limit` (-1: none), place by place. */
  #scan(text: string, from: number, limit: number, segment: Segment, meter: LikeMeter | undefined): number {
    for (let at = from; at + segment.units.length <= limit; at++) {
      if (this.#matchesAt(text, at, segment, meter)) return at;
    }
    return -1;
  }
}

/**
 * True when `value` holds a `%` that no backslash escapes: it is then a LIKE pattern, in which `_`
 * is one character. As in jIO, a value without `%` compares exactly, `_` included (`type:work_order`
 * is the type "work_order", and a lookup an index serves).
 */
export function isLikePattern(value: string): boolean {
  return /(^|[^\\])%/.test(value);
}
