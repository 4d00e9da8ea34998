// The user_kernel document (core/model/user-kernel.ts): what userKernelProblem accepts and the
// field it names otherwise; ids user_kernel/<slug>.
import { describe, expect, it } from 'vitest';
import { MAX_USER_KERNEL_SOURCE, userKernelIdProblem, userKernelProblem, type UserKernelDoc } from '../../src/core';

const valid: UserKernelDoc = { type: 'user_kernel', title: 'Escalated max', source: 'function init() {}', output: 'blocks', block: 1000, params: { level: 3, names: ['a'] }, owner: 'eve', created_at: 1, updated_at: 2 };

describe('user kernel documents', () => {
  it('accepts a well-formed kernel, with or without params', () => {
    expect(userKernelProblem(valid)).toBeUndefined();
    expect(userKernelProblem({ ...valid, params: undefined, block: undefined, output: 'result' })).toBeUndefined();
  });

  it.each([
    [{ type: 'kernel' }, /type must be "user_kernel"/],
    [{ title: ' ' }, /title must not be empty/],
    [{ title: 'x'.repeat(201) }, /title must have at most 200/],
    [{ source: 'x'.repeat(MAX_USER_KERNEL_SOURCE + 1) }, /source must be at most 65536 bytes/],
    // 22 000 three-byte characters are 66 000 bytes of UTF-8.
    [{ source: '€'.repeat(22_000) }, /source must be at most 65536 bytes/],
    [{ source: 42 }, /source must be a non-empty string/],
    [{ output: 'stream' }, /output must be "result" or "blocks"/],
    [{ block: undefined }, /block \(samples per block\) is required/],
    [{ block: 0 }, /block must be between 1 and 10000000/],
    [{ block: 1.5 }, /block must be an integer/],
    [{ block: 10_000_001 }, /block must be between 1 and 10000000/],
    [{ output: 'result' }, /block is only for output "blocks"/],
    [{ params: [1] }, /params must be an object/],
    [{ params: { x: Number.NaN } }, /params.x must be a finite number/],
    [{ params: { big: 'x'.repeat(20_000) } }, /params must be at most 16384 characters/],
    [{ params: { deep: JSON.parse('['.repeat(30) + ']'.repeat(30)) as unknown } }, /nested deeper than 16/],
    [{ owner: '' }, /owner must not be empty/],
    [{ created_at: Number.POSITIVE_INFINITY }, /created_at must be a finite number/],
  ])('refuses %o naming the field', (change, message) => {
    expect(userKernelProblem({ ...valid, ...change })).toMatch(message);
  });

  it('never throws on what is not an object', () => {
    for (const value of [null, 1, 'x', [], undefined]) expect(userKernelProblem(value)).toMatch(/must be an object/);
  });

  it('ids are user_kernel/ and a slug of a–z, 0–9 and -', () => {
    expect(userKernelIdProblem('user_kernel/escalated-max-2')).toBeUndefined();
    for (const id of ['user_kernel/', 'user_kernel/Big', 'user_kernel/a b', 'user_kernel/-x', `user_kernel/${'a'.repeat(65)}`, 'kernel/x', 42]) expect(userKernelIdProblem(id), String(id)).toBeDefined();
  });
});
