// The query language's LIKE matching without backtracking (a `%a%a%a%b` query over a 1,000-character
// note took 42 s with the regexp it replaced), checked against that regexp on small random inputs,
// and the nesting bound of queries (2,000 parentheses overflowed the parser's stack).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { matchQuery, parseQuery, QueryError, serializeQuery, validateQuery, type Query } from '../../src/core';
import { QUERY_DEPTH_LIMIT } from '../../src/core/query';
import { LikePattern, foldCodeUnit, type LikeMeter } from '../../src/core/query/query-like';

/**
 * What `key:=pattern` did before, as a regexp: a case-insensitive one for LIKE patterns (a value
 * with an unescaped `%`, as in jIO; `_` is then one character), else exact equality.
 */
function referenceEquals(pattern: string, text: string): boolean {
  if (!/(^|[^\\])%/.test(pattern)) return text === pattern.replace(/\\([%_])/g, '$1');
  let source = '';
  for (let index = 0; index < pattern.length; index++) {
    const char = pattern[index]!;
    if (char === '\\' && (pattern[index + 1] === '%' || pattern[index + 1] === '_')) source += pattern[++index];
    else if (char === '%') source += '[\\s\\S]*';
    else if (char === '_') source += '[\\s\\S]';
    else source += char.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
  }
  return new RegExp(`^${source}$`, 'i').test(text);
}

const equalsQuery = (pattern: string): Query => ({ type: 'simple', key: 't', operator: '=', value: pattern });

// Characters where case folding, escapes and UTF-16 differ: ß (no single-unit upper case), ſ and
// the Kelvin sign (upper case is ASCII: not folded), ı/İ, é/É, a Deseret letter (two code units,
// never folded without the u flag), a lone surrogate, a newline, regexp syntax.
const alphabet = ['a', 'A', 'b', 'B', 's', 'S', 'k', 'K', 'ß', 'ſ', '\u212a', 'ı', 'İ', 'é', 'É', '𐐨', '𐐀', '\ud800', '\n', '.', '*', '\\', '%', '_'];
const textOf = (maxLength: number) => fc.array(fc.constantFrom(...alphabet), { maxLength }).map((chars) => chars.join(''));

/** Meters one match. */
function stepsOf(pattern: string, text: string): { matched: boolean; steps: number } {
  const meter: LikeMeter = { steps: 0 };
  const matched = new LikePattern(pattern).matches(text, meter);
  return { matched, steps: meter.steps };
}

describe('LIKE matching', () => {
  it('agrees with the regexp it replaced on random patterns and texts', () => {
    fc.assert(
      fc.property(textOf(8), textOf(10), (pattern, text) => matchQuery(equalsQuery(pattern), { t: text }) === referenceEquals(pattern, text)),
      { numRuns: 20_000 },
    );
  });

  it('agrees with the regexp when the text is built from the pattern (so matches are common)', () => {
    // Replace each wildcard by a random run and flip case at random: mostly matching texts.
    const fill = fc.tuple(textOf(6), fc.array(textOf(3), { minLength: 8, maxLength: 8 }), fc.array(fc.boolean(), { minLength: 16, maxLength: 16 }));
    fc.assert(
      fc.property(fill, ([pattern, runs, flips]) => {
        let text = '';
        let run = 0;
        for (const [index, char] of [...pattern].entries()) {
          if (char === '%') text += runs[run++ % runs.length]!;
          else if (char === '_') text += runs[run++ % runs.length]!.slice(0, 1) || 'x';
          else text += flips[index % flips.length] ? char.toUpperCase() : char.toLowerCase();
        }
        return matchQuery(equalsQuery(pattern), { t: text }) === referenceEquals(pattern, text);
      }),
      { numRuns: 20_000 },
    );
  });

  it('folds every UTF-16 code unit as a non-Unicode /i regexp does', () => {
    for (let unit = 0; unit < 65_536; unit += 1) {
      const folded = foldCodeUnit(unit);
      if (folded === unit) continue;
      // A unit and its fold match each other under /i; spot-check every one that folds.
      expect(new RegExp(`^\\u${unit.toString(16).padStart(4, '0')}$`, 'i').test(String.fromCharCode(folded)), unit.toString(16)).toBe(true);
    }
    expect(matchQuery(parseQuery('t:stra%e'), { t: 'STRAßE' })).toBe(true);
    expect(matchQuery(parseQuery('t:s%'), { t: 'ſ' })).toBe(false);
  });

  it('keeps the documented cases: %, _, escapes, case-insensitive LIKE but exact equality', () => {
    const cases: Array<[string, string, boolean]> = [
      ['pump%', 'Pump 7', true],
      ['%pump%', 'big PUMP here', true],
      ['p_mp%', 'PUMP', true],
      ['p_mp%', 'pmp', false],
      ['p_mp', 'PUMP', false],
      ['p_mp', 'p_mp', true],
      ['100\\% %', '100% checked', true],
      ['100\\% %', '1000 checked', false],
      ['%checked\\_ok', '100% checked_ok', true],
      ['%checked\\_ok', '100% checkedXok', false],
      ['Pump', 'pump', false],
      ['a\\%', 'a%', true],
      ['%', '', true],
      ['_%', '', false],
      ['_', '_', true],
      ['%%a%%', 'A', true],
      ['a%a', 'a', false],
    ];
    for (const [pattern, text, expected] of cases) expect(matchQuery(equalsQuery(pattern), { t: text }), `${pattern} ~ ${text}`).toBe(expected);
  });

  it('matches note:%a%a%a%b over a 1,000-character note in linear steps (the regexp took 42 s)', () => {
    const note = 'a'.repeat(1000);
    expect(matchQuery(parseQuery('note:%a%a%a%b'), { note })).toBe(false);
    const { matched, steps } = stepsOf('%a%a%a%b', note);
    expect(matched).toBe(false);
    // KMP reads each code unit of the text at most twice for segments without `_`.
    expect(steps).toBeLessThanOrEqual(2 * (note.length + 8));
    expect(stepsOf('%a%a%a%b', `${note}b`).matched).toBe(true);
  });

  it('stays linear for 50 %a over 100,000 characters, matching or not', () => {
    const pattern = `${'%a'.repeat(50)}%b`;
    const text = 'a'.repeat(100_000);
    for (const [candidate, expected] of [
      [text, false],
      [`${text}b`, true],
      [`${'ab'.repeat(50_000)}`, true],
    ] as const) {
      const { matched, steps } = stepsOf(pattern, candidate);
      expect(matched).toBe(expected);
      expect(steps).toBeLessThanOrEqual(2 * (candidate.length + pattern.length));
    }
    // Overlapping segments (KMP's failure links at work) are still linear.
    const overlapping = stepsOf(`%${'aab'.repeat(20)}%`, 'aa'.repeat(50_000));
    expect(overlapping.matched).toBe(false);
    expect(overlapping.steps).toBeLessThanOrEqual(2 * (100_000 + 62));
  });

  it('bounds a segment with _ by text length times segment length', () => {
    const segment = `${'a'.repeat(30)}_b`;
    const text = 'a'.repeat(20_000);
    const { matched, steps } = stepsOf(`%${segment}%`, text);
    expect(matched).toBe(false);
    expect(steps).toBeLessThanOrEqual((text.length + 1) * segment.length);
  });
});

describe('query nesting bound', () => {
  const nested = (levels: number) => `${'('.repeat(levels)}a:1${')'.repeat(levels)}`;

  it('refuses 2,000 nested parentheses with a QueryError at the parenthesis that goes too deep', () => {
    try {
      parseQuery(nested(2000));
      throw new Error('parsed');
    } catch (error) {
      expect(error).toBeInstanceOf(QueryError);
      expect((error as QueryError).position).toBe(2 * QUERY_DEPTH_LIMIT);
      expect((error as Error).message).toMatch(/nested at position 128/);
    }
    expect(() => parseQuery(`${'NOT '.repeat(5000)}a:1`)).toThrow(QueryError);
    expect(() => validateQuery(JSON.parse(`${'{"type":"complex","operator":"NOT","query_list":['.repeat(5000)}{"type":"simple","value":1}${']}'.repeat(5000)}`))).toThrow(
      /nest more than 64 levels/,
    );
  });

  it('accepts what it refuses just past the bound, and every valid JSON query round-trips through text', () => {
    expect(parseQuery(nested(2 * QUERY_DEPTH_LIMIT))).toEqual({ type: 'simple', key: 'a', operator: '=', value: '1' });
    let deepest: Query = { type: 'simple', key: 'a', operator: '=', value: 'x' };
    for (let level = 0; level < QUERY_DEPTH_LIMIT; level++) deepest = { type: 'complex', operator: 'NOT', query_list: [deepest] };
    expect(validateQuery(deepest)).toEqual(deepest);
    expect(parseQuery(serializeQuery(deepest))).toEqual(deepest);
    let mixed: Query = { type: 'simple', key: 'a', operator: '=', value: 'x' };
    for (let level = 0; level < QUERY_DEPTH_LIMIT; level++) mixed = { type: 'complex', operator: level % 2 ? 'AND' : 'OR', query_list: [mixed, { type: 'simple', operator: '=', value: String(level) }] };
    expect(parseQuery(serializeQuery(mixed))).toEqual(mixed);
    expect(() => validateQuery({ type: 'complex', operator: 'NOT', query_list: [deepest] })).toThrow(QueryError);
    // A text whose parentheses are shallow enough can still nest AND/OR/NOT too deep: refused too.
    expect(() => parseQuery(`${'NOT (a:1 OR '.repeat(QUERY_DEPTH_LIMIT)}a:1${')'.repeat(QUERY_DEPTH_LIMIT)}`)).toThrow(/more than 64 levels deep/);
  });
});
