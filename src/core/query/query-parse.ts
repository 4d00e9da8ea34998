/**
 * Parser of the jIO query language:
 *
 *   query   := or
 *   or      := and ('OR' and)*
 *   and     := not (['AND'] not)*          juxtaposition means AND
 *   not     := 'NOT' not | primary
 *   primary := '(' query ')' | term
 *   term    := key ':' [op] (value | '(' query ')')  |  [op] value     (keyless: any field)
 *   op      := '=' | '!=' | '<' | '<=' | '>' | '>='
 *   value   := word | "quoted \"string\""
 *
 * `key:(a OR b)` applies the key to every keyless term inside the parentheses. Errors name the
 * character position (0-based) where the text stopped making sense.
 *
 * Nesting is bounded (QUERY_DEPTH_LIMIT levels of AND/OR/NOT in the JSON form, twice that many
 * parentheses and NOTs in the text) so that a hostile query is a QueryError, not a stack overflow
 * in this recursive parser or in whatever walks the query afterwards. The two limits fit together:
 * any query `validateQuery` accepts serializes to a text `parseQuery` accepts, and back.
 */
import { QueryError } from './query-error';
import type { ComplexQuery, Query, QueryOperator, SimpleQuery } from './query-types';

type Token =
  | { kind: 'word'; text: string; position: number }
  | { kind: 'string'; text: string; position: number }
  | { kind: 'open' | 'close'; position: number }
  | { kind: 'end'; position: number };

const operators: readonly QueryOperator[] = ['!=', '<=', '>=', '=', '<', '>'];

/**
 * Most levels of AND/OR/NOT a query may nest (its JSON form). People write a handful; 64 leaves
 * room for generated queries while keeping every recursion over a query a few hundred frames deep.
 */
export const QUERY_DEPTH_LIMIT = 64;
/** Most parentheses and NOTs a query text may nest: serializing writes at most two per level. */
const TEXT_NESTING_LIMIT = 2 * QUERY_DEPTH_LIMIT;

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let index = 0;
  while (index < text.length) {
    const char = text[index]!;
    if (/\s/.test(char)) {
      index++;
    } else if (char === '(' || char === ')') {
      tokens.push({ kind: char === '(' ? 'open' : 'close', position: index });
      index++;
    } else if (char === '"') {
      const start = index;
      let value = '';
      index++;
      for (;;) {
        if (index >= text.length) throw new QueryError('unterminated quoted string', start);
        const next = text[index]!;
        if (next === '\\' && (text[index + 1] === '"' || text[index + 1] === '\\')) {
          // \" and \\ are quotes and backslashes; other escapes (\% \_) reach the LIKE matcher.
          value += text[index + 1];
          index += 2;
        } else if (next === '"') {
          index++;
          break;
        } else {
          value += next;
          index++;
        }
      }
      tokens.push({ kind: 'string', text: value, position: start });
    } else {
      const start = index;
      while (index < text.length && !/[\s()"]/.test(text[index]!)) index++;
      tokens.push({ kind: 'word', text: text.slice(start, index), position: start });
    }
  }
  tokens.push({ kind: 'end', position: text.length });
  return tokens;
}

/** Splits a leading operator off `text` (`>=5` → ['>=', '5']). */
function splitOperator(text: string): [QueryOperator, string] {
  for (const operator of operators) {
    if (text.startsWith(operator)) return [operator, text.slice(operator.length)];
  }
  return ['=', text];
}

class Parser {
  #tokens: Token[];
  #index = 0;
  /** Parentheses and NOTs open around the current token. */
  #nesting = 0;
  /** Depth (levels of AND/OR/NOT) of each complex query built so far; simple ones have none. */
  #depths = new WeakMap<Query, number>();

  constructor(text: string) {
    this.#tokens = tokenize(text);
  }

  #peek(): Token {
    return this.#tokens[this.#index]!;
  }

  #next(): Token {
    return this.#tokens[this.#index++]!;
  }

  #isKeyword(token: Token, keyword: string): boolean {
    return token.kind === 'word' && token.text === keyword;
  }

  parseAll(): Query {
    if (this.#peek().kind === 'end') throw new QueryError('empty query', 0);
    const query = this.#parseOr(undefined);
    const rest = this.#peek();
    if (rest.kind !== 'end') throw new QueryError(rest.kind === 'close' ? "unexpected ')'" : 'unexpected text', rest.position);
    return query;
  }

  /** A complex query of `list`, refused when it would nest deeper than QUERY_DEPTH_LIMIT. */
  #complex(operator: ComplexQuery['operator'], list: Query[], position: number): ComplexQuery {
    let depth = 1;
    for (const query of list) depth = Math.max(depth, 1 + (this.#depths.get(query) ?? 0));
    if (depth > QUERY_DEPTH_LIMIT) throw new QueryError(`the query nests AND, OR and NOT more than ${QUERY_DEPTH_LIMIT} levels deep`, position);
    const query: ComplexQuery = { type: 'complex', operator, query_list: list };
    this.#depths.set(query, depth);
    return query;
  }

  /** Enters a parenthesis or NOT at `token`, refusing more than TEXT_NESTING_LIMIT open at once. */
  #enter(token: Token): void {
    if (++this.#nesting > TEXT_NESTING_LIMIT) throw new QueryError(`more than ${TEXT_NESTING_LIMIT} parentheses and NOTs nested`, token.position);
  }

  #parseOr(defaultKey: string | undefined): Query {
    const position = this.#peek().position;
    const list = [this.#parseAnd(defaultKey)];
    while (this.#isKeyword(this.#peek(), 'OR')) {
      this.#next();
      list.push(this.#parseAnd(defaultKey));
    }
    return list.length === 1 ? list[0]! : this.#complex('OR', list, position);
  }

  #parseAnd(defaultKey: string | undefined): Query {
    const position = this.#peek().position;
    const list = [this.#parseNot(defaultKey)];
    for (;;) {
      const token = this.#peek();
      if (token.kind === 'end' || token.kind === 'close' || this.#isKeyword(token, 'OR')) break;
      if (this.#isKeyword(token, 'AND')) this.#next();
      list.push(this.#parseNot(defaultKey));
    }
    return list.length === 1 ? list[0]! : this.#complex('AND', list, position);
  }

  #parseNot(defaultKey: string | undefined): Query {
    const token = this.#peek();
    if (this.#isKeyword(token, 'NOT')) {
      this.#enter(token);
      this.#next();
      const query = this.#complex('NOT', [this.#parseNot(defaultKey)], token.position);
      this.#nesting--;
      return query;
    }
    return this.#parsePrimary(defaultKey);
  }

  #parseGroup(defaultKey: string | undefined): Query {
    const open = this.#next();
    this.#enter(open);
    const inner = this.#parseOr(defaultKey);
    const close = this.#next();
    if (close.kind !== 'close') throw new QueryError(`missing ')' for the '(' at position ${open.position}`, close.position);
    this.#nesting--;
    return inner;
  }

  #parsePrimary(defaultKey: string | undefined): Query {
    const token = this.#peek();
    switch (token.kind) {
      case 'open':
        return this.#parseGroup(defaultKey);
      case 'string':
        this.#next();
        return simple(defaultKey, '=', token.text);
      case 'word':
        return this.#parseWord(defaultKey);
      case 'close':
        throw new QueryError("unexpected ')'", token.position);
      case 'end':
        throw new QueryError('the query ends where a term was expected', token.position);
    }
  }

  #parseWord(defaultKey: string | undefined): Query {
    const token = this.#next() as Extract<Token, { kind: 'word' }>;
    if (token.text === 'AND' || token.text === 'OR') throw new QueryError(`'${token.text}' needs a term before it`, token.position);
    const colon = token.text.indexOf(':');
    if (colon <= 0) {
      // Keyless term (or `:value`, which jIO also reads as keyless).
      const [operator, value] = splitOperator(colon === 0 ? token.text.slice(1) : token.text);
      if (value === '') return simple(defaultKey, operator, this.#valueAfter(token.position + token.text.length));
      return simple(defaultKey, operator, value);
    }
    const key = token.text.slice(0, colon);
    const [operator, value] = splitOperator(token.text.slice(colon + 1));
    if (value !== '') return simple(key, operator, value);
    const next = this.#peek();
    if (next.kind === 'open' && operator === '=') return this.#parseGroup(key);
    return simple(key, operator, this.#valueAfter(token.position + token.text.length));
  }

  /** The value following `key:op` when it was written apart (`key: value`, `key:"quoted"`). */
  #valueAfter(position: number): string {
    const next = this.#peek();
    if (next.kind === 'string' || (next.kind === 'word' && !['AND', 'OR', 'NOT'].includes(next.text))) {
      this.#next();
      return next.text;
    }
    throw new QueryError('expected a value', next.kind === 'end' ? position : next.position);
  }
}

function simple(key: string | undefined, operator: QueryOperator, value: string): SimpleQuery {
  return key === undefined ? { type: 'simple', operator, value } : { type: 'simple', key, operator, value };
}

/** Parses a query text into its JSON form; throws `QueryError` naming the position of a mistake. */
export function parseQuery(text: string): Query {
  if (typeof text !== 'string') throw new QueryError('a query text must be a string');
  return new Parser(text).parseAll();
}

const complexOperators = new Set(['AND', 'OR', 'NOT']);

/**
 * Checks a JSON-form query from outside (HTTP, storage descriptions) and returns it typed; throws
 * `QueryError` naming the path of a mistake, also when AND/OR/NOT nest deeper than QUERY_DEPTH_LIMIT.
 */
export function validateQuery(value: unknown, path = 'query'): Query {
  return validateAt(value, path, 1);
}

function validateAt(value: unknown, path: string, depth: number): Query {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new QueryError(`${path} must be an object`);
  const query = value as Record<string, unknown>;
  if (query.type === 'simple') {
    const operator = query.operator ?? '=';
    if (!operators.includes(operator as QueryOperator)) throw new QueryError(`${path}.operator must be one of ${operators.join(' ')}`);
    if (query.key !== undefined && (typeof query.key !== 'string' || query.key === '')) throw new QueryError(`${path}.key must be a non-empty string`);
    if (!['string', 'number', 'boolean'].includes(typeof query.value)) throw new QueryError(`${path}.value must be a string, number or boolean`);
    const result: SimpleQuery = { type: 'simple', operator: operator as QueryOperator, value: query.value as SimpleQuery['value'] };
    if (query.key !== undefined) result.key = query.key as string;
    return result;
  }
  if (query.type === 'complex') {
    if (!complexOperators.has(query.operator as string)) throw new QueryError(`${path}.operator must be AND, OR or NOT`);
    if (!Array.isArray(query.query_list) || query.query_list.length === 0) throw new QueryError(`${path}.query_list must be a non-empty array`);
    if (query.operator === 'NOT' && query.query_list.length !== 1) throw new QueryError(`${path}: NOT takes exactly one query`);
    if (depth > QUERY_DEPTH_LIMIT) throw new QueryError(`${path}: AND, OR and NOT nest more than ${QUERY_DEPTH_LIMIT} levels deep`);
    const list = query.query_list.map((item, index) => validateAt(item, `${path}.query_list[${index}]`, depth + 1));
    return { type: 'complex', operator: query.operator as ComplexQuery['operator'], query_list: list };
  }
  throw new QueryError(`${path}.type must be "simple" or "complex"`);
}

/** Accepts either form (text or JSON) and returns the JSON form. */
export function toQuery(query: string | Query | unknown): Query {
  return typeof query === 'string' ? parseQuery(query) : validateQuery(query);
}
