/**
 * The JavaScript that runs inside each QuickJS context before the user's source, as a string.
 *
 * 1. Determinism: a kernel's result must be the same on the device and the server, however its
 *    input was cut into chunks, so nothing may depend on when or where it runs: `Math.random`,
 *    `Date.now()` and `new Date()` / `Date()` without arguments throw (dates of given times still
 *    work: `new Date(chunk.times[0]).getUTCHours()`); WeakRef and FinalizationRegistry (garbage
 *    collection timing) and SharedArrayBuffer go, and so does QuickJS's non-standard
 *    InternalError binding (its errors keep their name).
 * 2. Lockdown: every intrinsic reachable from the global object is frozen and the global
 *    bindings are made read-only, so the source cannot change what the driver below relies on
 *    (JSON, Object.prototype's toJSON, …) nor leave changes behind for later calls.
 * 3. The driver, returned to the host and never put on the global object: it calls the user's
 *    functions with states decoded from JSON and encodes what they return, refusing what is not
 *    plain data (core encodeState's format: non-finite numbers as "NaN", "Infinity", "-Infinity";
 *    those three strings are therefore not allowed as strings), and folds whole blocks in here so
 *    a small block costs no host round trip. A result over `maxJson` characters is refused here,
 *    before it would be copied out.
 *
 * The host checks again what it gets (a string, not too long, JSON.parse): the driver's checks
 * give clear messages, the host's keep it safe even if they were got around.
 */
export const SANDBOX_PRELUDE = String.raw`(function (maxJson) {
  'use strict';
  const g = globalThis;
  const OriginalDate = Date;
  const construct = Reflect.construct;
  const noClock = function now() {
    throw new TypeError('the current time is not available in a kernel (its result must not depend on when it runs): use chunk.times');
  };
  const SafeDate = function Date(...args) {
    if (new.target === undefined || args.length === 0) noClock();
    return construct(OriginalDate, args, new.target);
  };
  Object.defineProperty(SafeDate, 'prototype', { value: OriginalDate.prototype });
  Object.defineProperty(SafeDate, 'now', { value: noClock });
  Object.defineProperty(SafeDate, 'parse', { value: OriginalDate.parse });
  Object.defineProperty(SafeDate, 'UTC', { value: OriginalDate.UTC });
  Object.defineProperty(OriginalDate.prototype, 'constructor', { value: SafeDate });
  g.Date = SafeDate;
  Math.random = function random() {
    throw new TypeError('Math.random is not available in a kernel (its result must be the same on the device and the server): derive any pseudo-random numbers from the data or the params');
  };
  for (const name of ['WeakRef', 'FinalizationRegistry', 'SharedArrayBuffer', 'Atomics', 'InternalError']) delete g[name];

  const seen = new Set();
  const ownKeys = Reflect.ownKeys;
  const describe = Reflect.getOwnPropertyDescriptor;
  const protoOf = Object.getPrototypeOf;
  const freeze = Object.freeze;
  const harden = (root) => {
    const stack = [root];
    while (stack.length > 0) {
      const value = stack.pop();
      if (value === null || (typeof value !== 'object' && typeof value !== 'function') || seen.has(value)) continue;
      seen.add(value);
      freeze(value);
      stack.push(protoOf(value));
      for (const key of ownKeys(value)) {
        const descriptor = describe(value, key);
        if ('value' in descriptor) stack.push(descriptor.value);
        else stack.push(descriptor.get, descriptor.set);
      }
    }
  };
  // Intrinsics the global object does not name: generator, async and iterator prototypes.
  harden([function* () {}, async function () {}, async function* () {}, [][Symbol.iterator](), new Map().entries(), new Set().values(), ''[Symbol.iterator](), /x/[Symbol.matchAll]('x')]);
  for (const name of Object.getOwnPropertyNames(g)) {
    if (name === 'globalThis') continue;
    harden(g[name]);
    Object.defineProperty(g, name, { writable: false, configurable: false });
  }

  const parse = JSON.parse;
  const stringify = JSON.stringify;
  const isArray = Array.isArray;
  const ObjectPrototype = Object.prototype;
  const F32 = Float32Array;
  const F64 = Float64Array;
  const StringOf = String;
  const reserved = (text) => text === 'NaN' || text === 'Infinity' || text === '-Infinity';
  const revive = (key, value) => (value === 'NaN' ? NaN : value === 'Infinity' ? Infinity : value === '-Infinity' ? -Infinity : value);
  const deepFreeze = (value) => {
    if (value !== null && typeof value === 'object') {
      freeze(value);
      for (const key of ownKeys(value)) deepFreeze(value[key]);
    }
    return value;
  };
  let fns;
  let params;

  /** The failure the host turns into a SandboxError: a tagged string, never a thrown host-visible object. */
  class Refusal {
    constructor(code, message) {
      this.code = code;
      this.message = message;
    }
  }

  const encode = (value, code, what) => {
    if (value === undefined) throw new Refusal(code, what + ' returned undefined' + (code === 'bad_state' ? ': return the state' : ''));
    let bad;
    const json = stringify(value, function (key, item) {
      if (bad !== undefined) return undefined;
      const type = typeof item;
      if (type === 'number') return item === item ? (item === Infinity ? 'Infinity' : item === -Infinity ? '-Infinity' : item) : 'NaN';
      if (type === 'string') {
        if (reserved(item)) bad = 'the strings "NaN", "Infinity" and "-Infinity" stand for non-finite numbers in a state: use the numbers';
        return item;
      }
      if (item === null || type === 'boolean') return item;
      if (type === 'object') {
        if (isArray(item)) return item;
        const proto = protoOf(item);
        if (proto === ObjectPrototype || proto === null) return item;
        bad = 'only plain objects and arrays are JSON data (found ' + (proto && typeof proto.constructor === 'function' && typeof proto.constructor.name === 'string' ? 'a ' + proto.constructor.name : 'an object with a prototype') + ')';
        return undefined;
      }
      bad = 'a ' + type + (key === '' ? '' : ' (at key ' + stringify(StringOf(key)) + ')') + ' is not JSON data';
      return undefined;
    });
    if (bad !== undefined) throw new Refusal(code, what + ' returned what is not JSON data: ' + bad);
    if (json.length > maxJson) throw new Refusal(code, what + ' returned ' + json.length + ' characters of JSON: at most ' + maxJson + ' are kept');
    return json;
  };
  const decode = (json) => parse(json, revive);
  const chunkOf = (values, times, offset) => ({ values, times, offset });

  const call = (body) => {
    try {
      return 'R' + body();
    } catch (error) {
      if (error instanceof Refusal) return 'E' + stringify({ code: error.code, message: error.message });
      let name = 'Error';
      let message = '';
      let where = '';
      try {
        if (error !== null && typeof error === 'object') {
          name = StringOf(error.name);
          message = StringOf(error.message);
          where = typeof error.stack === 'string' ? error.stack.split('\n')[0].trim() : '';
        } else message = StringOf(error);
      } catch (inner) {
        message = 'an exception that cannot be described';
      }
      return 'E' + stringify({ code: 'thrown', name: name.slice(0, 100), message: message.slice(0, 1000), where: where.slice(0, 200) });
    }
  };

  const blockValue = (result) => {
    if (result === null || typeof result === 'number') return result;
    throw new Refusal('bad_result', 'finish must return a number or null in a kernel with output "blocks" (got ' + (typeof result) + ')');
  };

  return {
    compile(source, paramsJson) {
      return call(() => {
        // Indirect eval: global code, as a script would run, with the lookup in the same scope so
        // 'const step = …' counts as much as 'function step …'.
        const found = (0, eval)(source + '\n;({ init: typeof init === "function" ? init : undefined, step: typeof step === "function" ? step : undefined, merge: typeof merge === "function" ? merge : undefined, finish: typeof finish === "function" ? finish : undefined });');
        for (const name of ['init', 'step', 'merge', 'finish']) {
          if (typeof found[name] !== 'function') throw new Refusal('syntax', 'the source must define function ' + name + ' (init(params), step(state, chunk, params), merge(a, b, params), finish(state, params))');
        }
        fns = found;
        params = deepFreeze(parse(paramsJson));
        return '';
      });
    },
    init() {
      return call(() => encode(fns.init(params), 'bad_state', 'init'));
    },
    step(stateJson, values, times, offset) {
      return call(() => encode(fns.step(decode(stateJson), chunkOf(new F32(values), times === undefined ? undefined : new F64(times), offset), params), 'bad_state', 'step'));
    },
    blocks(stateJson, valuesBuffer, timesBuffer, offset, block) {
      return call(() => {
        const values = new F32(valuesBuffer);
        const times = timesBuffer === undefined ? undefined : new F64(timesBuffer);
        let state = decode(stateJson);
        const out = [];
        for (let start = 0; start < values.length; ) {
          const at = offset + start;
          const end = Math.min(values.length, start + block - (at % block));
          state = fns.step(state, chunkOf(values.subarray(start, end), times === undefined ? undefined : times.subarray(start, end), at), params);
          if ((offset + end) % block === 0) {
            out.push(blockValue(fns.finish(state, params)));
            state = fns.init(params);
          }
          start = end;
        }
        return encode({ state, blocks: out }, 'bad_state', 'step');
      });
    },
    merge(aJson, bJson) {
      return call(() => encode(fns.merge(decode(aJson), decode(bJson), params), 'bad_state', 'merge'));
    },
    finish(stateJson) {
      return call(() => {
        const result = fns.finish(decode(stateJson), params);
        return encode(result === undefined ? null : result, 'bad_result', 'finish');
      });
    },
  };
})`;
