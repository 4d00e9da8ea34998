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
 */
import { QueryError } from './query-error';
import type { ComplexQuery, Query, QueryOperator, SimpleQuery } from './query-types';

type Token =
  | { kind: 'word'; text: string; position: number }
  | { kind: 'string'; text: string; position: number }
  | { kind: 'open' | 'close'; position: number }
  | { kind: 'end'; position: number };

const operators: readonly QueryOperator[] = ['!=', '<=', '>=', '=', '<', '>'];

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

  #parseOr(defaultKey: string | undefined): Query {
    const list = [this.#parseAnd(defaultKey)];
    while (this.#isKeyword(this.#peek(), 'OR')) {
      this.#next();
      list.push(this.#parseAnd(defaultKey));
    }
    return list.length === 1 ? list[0]! : { type: 'complex', operator: 'OR', query_list: list };
  }

  #parseAnd(defaultKey: string | undefined): Query {
    const list = [this.#parseNot(defaultKey)];
    for (;;) {
      const token = this.#peek();
      if (token.kind === 'end' || token.kind === 'close' || this.#isKeyword(token, 'OR')) break;
      if (this.#isKeyword(token, 'AND')) this.#next();
      list.push(this.#parseNot(defaultKey));
    }
    return list.length === 1 ? list[0]! : { type: 'complex', operator: 'AND', query_list: list };
  }

  #parseNot(defaultKey: string | undefined): Query {
    if (this.#isKeyword(this.#peek(), 'NOT')) {
      this.#next();
      return { type: 'complex', operator: 'NOT', query_list: [this.#parseNot(defaultKey)] };
    }
    return this.#parsePrimary(defaultKey);
  }

  #parseGroup(defaultKey: string | undefined): Query {
    const open = this.#next();
    const inner = this.#parseOr(defaultKey);
    const close = this.#next();
    if (close.kind !== 'close') throw new QueryError(`missing ')' for the '(' at position ${open.position}`, close.position);
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

/** Checks a JSON-form query from outside (HTTP, storage descriptions) and returns it typed. */
export function validateQuery(value: unknown, path = 'query'): Query {
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
    const list = query.query_list.map((item, index) => validateQuery(item, `${path}.query_list[${index}]`));
    return { type: 'complex', operator: query.operator as ComplexQuery['operator'], query_list: list };
  }
  throw new QueryError(`${path}.type must be "simple" or "complex"`);
}

/** Accepts either form (text or JSON) and returns the JSON form. */
export function toQuery(query: string | Query | unknown): Query {
  return typeof query === 'string' ? parseQuery(query) : validateQuery(query);
}
