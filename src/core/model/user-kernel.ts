/**
 * User-defined kernels (`user_kernel/<slug>`): JavaScript written by an engineer that follows the
 * built-in kernels' contract (`init / step / merge / finish` over JSON states) and runs in a
 * sandbox (compute/sandbox) on the device and on the server. The document syncs like any other
 * record; its source is hostile until the sandbox runs it, so userKernelProblem bounds everything
 * a device or the server would compile or keep from it.
 */
import { firstProblem, integerProblem, isObject, numberProblem, textProblem } from './checks';

/** What a user kernel produces: one JSON result over everything so far, or one number per block. */
export type UserKernelOutput = 'result' | 'blocks';

/** A saved user kernel as stored: `user_kernel/<slug>`, type 'user_kernel'. */
export interface UserKernelDoc {
  type: 'user_kernel';
  title: string;
  /** Plain JavaScript (no imports) defining the functions init, step, merge and finish. */
  source: string;
  output: UserKernelOutput;
  /** Samples per block (output 'blocks' only): each block's `finish` becomes one output value. */
  block?: number;
  /** Passed to every call as the last argument (a small JSON object). */
  params?: Record<string, unknown>;
  /** The user name of who saved it. */
  owner: string;
  /** Epoch ms. */
  created_at: number;
  updated_at: number;
}

/** Where user kernels live among the documents. */
export const USER_KERNEL_PREFIX = 'user_kernel/';
/** Longest source, in UTF-8 bytes (64 KiB: a kernel, not a library). */
export const MAX_USER_KERNEL_SOURCE = 64 * 1024;
/** Longest title. */
export const MAX_USER_KERNEL_TITLE = 200;
/** Largest block of a 'blocks' kernel (10^7 samples: under three hours of a 1 kHz channel). */
export const MAX_USER_KERNEL_BLOCK = 10_000_000;
/** Largest params, as JSON (UTF-16 units). */
export const MAX_USER_KERNEL_PARAMS = 16 * 1024;
/** Deepest nesting of params. */
const MAX_PARAMS_DEPTH = 16;
/** Longest slug of a user kernel id. */
const MAX_SLUG = 64;
/** Longest owner name. */
const MAX_NAME = 1000;
/** The largest |epoch ms| a Date holds (ECMAScript: ±100 000 000 days). */
const DATE_LIMIT_MS = 8.64e15;

/** The id of the user kernel with slug `slug` ('escalated-vibration' → 'user_kernel/escalated-vibration'). */
export function userKernelId(slug: string): string {
  return `${USER_KERNEL_PREFIX}${slug}`;
}

/** Why `id` is not a user kernel id (`user_kernel/` + 1–64 of a–z, 0–9 and '-'); undefined: it is. */
export function userKernelIdProblem(id: unknown): string | undefined {
  if (typeof id !== 'string' || !id.startsWith(USER_KERNEL_PREFIX)) return `a user kernel id starts with "${USER_KERNEL_PREFIX}"`;
  const slug = id.slice(USER_KERNEL_PREFIX.length);
  if (!/^[a-z0-9][a-z0-9-]*$/.test(slug) || slug.length > MAX_SLUG) return `the slug of ${JSON.stringify(id.slice(0, 100))} must be 1–${MAX_SLUG} of a–z, 0–9 and '-', starting with a letter or digit`;
  return undefined;
}

/** UTF-8 length of `text`, counting only until it passes `limit` (a hostile megabyte costs little). */
function utf8Length(text: string, limit: number): number {
  let bytes = 0;
  for (let index = 0; index < text.length && bytes <= limit; index++) {
    const code = text.charCodeAt(index);
    // A surrogate pair (4 bytes) counts 2 + 2 over its two units.
    bytes += code < 0x80 ? 1 : code < 0x800 || (code >= 0xd800 && code <= 0xdfff) ? 2 : 3;
  }
  return bytes;
}

/** Why `value` is not plain JSON data (finite numbers, strings, booleans, null, arrays, plain objects) at most `depth` deep. */
function jsonDataProblem(name: string, value: unknown, depth: number): string | undefined {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return undefined;
  if (typeof value === 'number') return Number.isFinite(value) ? undefined : `${name} must be a finite number`;
  if (depth <= 0) return `${name} is nested deeper than ${MAX_PARAMS_DEPTH} levels`;
  if (Array.isArray(value)) {
    for (let index = 0; index < value.length; index++) {
      const problem = jsonDataProblem(`${name}[${index}]`, value[index], depth - 1);
      if (problem) return problem;
    }
    return undefined;
  }
  if (isObject(value)) {
    for (const [key, item] of Object.entries(value)) {
      const problem = jsonDataProblem(`${name}.${key.slice(0, 100)}`, item, depth - 1);
      if (problem) return problem;
    }
    return undefined;
  }
  return `${name} must be JSON data (numbers, strings, booleans, null, arrays, objects)`;
}

/** Why `value` is not a user kernel's params: a plain JSON object of at most MAX_USER_KERNEL_PARAMS characters. */
export function userKernelParamsProblem(value: unknown): string | undefined {
  if (!isObject(value)) return 'params must be an object';
  const problem = jsonDataProblem('params', value, MAX_PARAMS_DEPTH);
  if (problem) return problem;
  const length = JSON.stringify(value).length;
  return length > MAX_USER_KERNEL_PARAMS ? `params must be at most ${MAX_USER_KERNEL_PARAMS} characters as JSON (they have ${length})` : undefined;
}

/**
 * Why `doc` is not a user kernel (undefined: it is): type 'user_kernel', a title of 1–200
 * characters, a source of at most 64 KiB (UTF-8), output 'result' or 'blocks' (then a block of
 * 1…10^7 samples; 'result' has none), params a small JSON object, an owner and epoch-ms times.
 * Never throws; whether the source compiles is the sandbox's to say (SandboxError 'syntax').
 */
export function userKernelProblem(doc: unknown): string | undefined {
  if (!isObject(doc)) return 'a user kernel must be an object';
  if (doc.type !== 'user_kernel') return 'type must be "user_kernel"';
  const source = doc.source;
  let sourceProblem: string | undefined;
  if (typeof source !== 'string' || source.trim() === '') sourceProblem = 'source must be a non-empty string';
  else if (utf8Length(source, MAX_USER_KERNEL_SOURCE) > MAX_USER_KERNEL_SOURCE) sourceProblem = `source must be at most ${MAX_USER_KERNEL_SOURCE} bytes (64 KiB) of UTF-8`;
  let outputProblem: string | undefined;
  if (doc.output === 'blocks') outputProblem = doc.block === undefined ? 'block (samples per block) is required when output is "blocks"' : integerProblem('block', doc.block, 1, MAX_USER_KERNEL_BLOCK);
  else if (doc.output === 'result') outputProblem = doc.block === undefined ? undefined : 'block is only for output "blocks"';
  else outputProblem = 'output must be "result" or "blocks"';
  return firstProblem(
    textProblem('title', doc.title, MAX_USER_KERNEL_TITLE),
    sourceProblem,
    outputProblem,
    doc.params === undefined ? undefined : userKernelParamsProblem(doc.params),
    textProblem('owner', doc.owner, MAX_NAME),
    numberProblem('created_at', doc.created_at, -DATE_LIMIT_MS, DATE_LIMIT_MS),
    numberProblem('updated_at', doc.updated_at, -DATE_LIMIT_MS, DATE_LIMIT_MS),
  );
}
