import { describe, expect, it } from 'vitest';
import { matchQuery, parseQuery, QueryError, serializeQuery, validateQuery, type Query } from '../../src/core';
import { badQueries, queryTable } from '../conformance/storage-fixtures';

describe('query language: parsing', () => {
  it('reads key:value, operators, quoted values and keyless terms', () => {
    expect(parseQuery('site:T07')).toEqual({ type: 'simple', key: 'site', operator: '=', value: 'T07' });
    expect(parseQuery('power:>=150')).toEqual({ type: 'simple', key: 'power', operator: '>=', value: '150' });
    expect(parseQuery('title:"Pump 1"')).toEqual({ type: 'simple', key: 'title', operator: '=', value: 'Pump 1' });
    expect(parseQuery('title:!="Pump 1"')).toEqual({ type: 'simple', key: 'title', operator: '!=', value: 'Pump 1' });
    expect(parseQuery('"free text"')).toEqual({ type: 'simple', operator: '=', value: 'free text' });
    expect(parseQuery('time:12:30')).toEqual({ type: 'simple', key: 'time', operator: '=', value: '12:30' });
  });

  it('gives AND precedence over OR, reads juxtaposition as AND, and nests NOT and parentheses', () => {
    const a = { type: 'simple', key: 'a', operator: '=', value: '1' } as const;
    const b = { type: 'simple', key: 'b', operator: '=', value: '2' } as const;
    const c = { type: 'simple', key: 'c', operator: '=', value: '3' } as const;
    expect(parseQuery('a:1 OR b:2 AND c:3')).toEqual({ type: 'complex', operator: 'OR', query_list: [a, { type: 'complex', operator: 'AND', query_list: [b, c] }] });
    expect(parseQuery('a:1 b:2')).toEqual({ type: 'complex', operator: 'AND', query_list: [a, b] });
    expect(parseQuery('NOT (a:1 OR b:2)')).toEqual({
      type: 'complex',
      operator: 'NOT',
      query_list: [{ type: 'complex', operator: 'OR', query_list: [a, b] }],
    });
    expect(parseQuery('key:(x OR "y z")')).toEqual({
      type: 'complex',
      operator: 'OR',
      query_list: [
        { type: 'simple', key: 'key', operator: '=', value: 'x' },
        { type: 'simple', key: 'key', operator: '=', value: 'y z' },
      ],
    });
  });

  it.each([
    ['type:asset AND', 14],
    ['(type:asset', 11],
    ['title:"unterminated', 6],
    ['type:asset)', 10],
    ['OR type:asset', 0],
    ['type:', 5],
    ['', 0],
  ])('%j fails at position %i', (text, position) => {
    try {
      parseQuery(text);
      throw new Error('parsed');
    } catch (error) {
      expect(error).toBeInstanceOf(QueryError);
      expect((error as QueryError).position).toBe(position);
      expect((error as Error).message).toContain(`at position ${position}`);
    }
  });

  it('covers every bad query of the storage suite', () => {
    for (const text of badQueries) expect(() => parseQuery(text)).toThrow(QueryError);
  });
});

describe('query language: serializing', () => {
  it.each(queryTable.map((entry) => entry.query))('%s survives text → JSON → text → JSON', (text) => {
    const query = parseQuery(text);
    expect(parseQuery(serializeQuery(query))).toEqual(query);
  });

  it('escapes quotes and backslashes but keeps escaped wildcards', () => {
    const query: Query = { type: 'simple', key: 'path', operator: '=', value: 'C:\\dir "x" 100\\%' };
    expect(serializeQuery(query)).toBe('path:"C:\\\\dir \\"x\\" 100\\%"');
    expect(parseQuery(serializeQuery(query))).toEqual(query);
  });

  it('validates the JSON form', () => {
    expect(() => validateQuery({ type: 'simple', key: 'a', operator: '~', value: 1 })).toThrow(/operator/);
    expect(() => validateQuery({ type: 'complex', operator: 'NOT', query_list: [] })).toThrow(/query_list/);
    expect(() => validateQuery({ type: 'complex', operator: 'XOR', query_list: [{ type: 'simple', value: 1 }] })).toThrow(/AND, OR or NOT/);
    expect(() => validateQuery({ type: 'simple', key: 'a', value: { nested: true } })).toThrow(/value/);
    expect(validateQuery({ type: 'simple', key: 'a', value: 3 })).toEqual({ type: 'simple', key: 'a', operator: '=', value: 3 });
  });
});

describe('query language: matching', () => {
  it('LIKE is case-insensitive; plain equality is exact', () => {
    expect(matchQuery(parseQuery('name:pump%'), { name: 'Pump 7' })).toBe(true);
    expect(matchQuery(parseQuery('name:pump'), { name: 'Pump' })).toBe(false);
    expect(matchQuery(parseQuery('name:Pump'), { name: 'Pump' })).toBe(true);
  });

  it('compares numbers numerically and strings by code point', () => {
    expect(matchQuery(parseQuery('n:>9'), { n: 10 })).toBe(true);
    expect(matchQuery(parseQuery('n:>9'), { n: '10' })).toBe(false);
  });

  // jIO's own query tests (test/queries/tests.js in Nexedi/jio) define what a keyless term finds.
  const run = (text: string, docs: Array<Record<string, string>>) => docs.filter((doc) => matchQuery(parseQuery(text), doc)).map((doc) => doc.identifier);
  it('a keyless word finds documents with it anywhere, case-insensitively (jIO full text)', () => {
    const docs = [
      { identifier: 'a', value: 'test', time: '2016' },
      { identifier: 'b', value: 'test 1', time: '2017' },
      { identifier: 'c', value: 'test 2016', time: '2017' },
    ];
    expect(run('test', docs)).toEqual(['a', 'b', 'c']);
    expect(run('2016', docs)).toEqual(['a', 'c']);
    expect(run('TEST', docs)).toEqual(['a', 'b', 'c']);
  });

  it('several keyless words must each be somewhere; mixed with keyed terms (jIO)', () => {
    const posts = [
      { identifier: 'a', value: 'test post', time: '2016' },
      { identifier: 'b', value: 'test post 1', time: '2017' },
      { identifier: 'c', value: 'test post 2016', time: '2017' },
    ];
    expect(run('test post', posts)).toEqual(['a', 'b', 'c']);
    expect(run('test post 2016', posts)).toEqual(['a', 'c']);
    const mixed = [
      { identifier: 'a', value: 'test1', time: '2016' },
      { identifier: 'b', value: 'test2', time: '2017' },
      { identifier: 'c', value: 'test3', time: '2017' },
    ];
    expect(run('test2 time:%2017%', mixed)).toEqual(['b']);
    const numbered = [
      { identifier: 'a', value: 'test post 1', time: '2016' },
      { identifier: 'b', value: 'test post 2', time: '2017' },
      { identifier: 'c', value: 'test post 3', time: '2018' },
    ];
    expect(run('value:"%test post 2%" OR c OR 2016', numbered)).toEqual(['a', 'b', 'c']);
    const cased = [
      { identifier: 'a', value: 'Test Post', time: '2016' },
      { identifier: 'b', value: 'test post', time: '2017' },
      { identifier: 'c', value: 'test3', time: '2018' },
    ];
    expect(run('"test post"', cased)).toEqual(['a', 'b']);
    expect(run('value:"test post"', cased)).toEqual(['b']);
  });

  it('full text skips empty values and objects, and looks into arrays and numbers', () => {
    expect(matchQuery(parseQuery('0'), { n: 0 })).toBe(false);
    expect(matchQuery(parseQuery('10'), { n: 2100 })).toBe(true);
    expect(matchQuery(parseQuery('object'), { o: { a: 1 } })).toBe(false);
    expect(matchQuery(parseQuery('crit'), { tags: ['hydraulic', 'critical'] })).toBe(true);
    expect(matchQuery(parseQuery('!=crit'), { tags: ['hydraulic', 'critical'] })).toBe(false);
  });

  it('only a value with % is a LIKE pattern, in which _ is one character (jIO wildcards)', () => {
    const docs = [{ identifier: 'a' }, { identifier: 'a%' }, { identifier: 'ab' }, { identifier: 'work_order' }, { identifier: 'work order' }];
    expect(run('identifier:"a%"', docs)).toEqual(['a', 'a%', 'ab']);
    expect(run('identifier:"__"', docs)).toEqual([]);
    expect(run('identifier:"__%"', docs)).toEqual(['a%', 'ab', 'work_order', 'work order']);
    expect(run('identifier:work_order', docs)).toEqual(['work_order']);
    expect(run('identifier:"work_order%"', docs)).toEqual(['work_order', 'work order']);
    expect(run('identifier:"work\\_order%"', docs)).toEqual(['work_order']);
  });
});
