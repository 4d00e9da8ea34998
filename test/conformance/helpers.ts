// Small helpers shared by the conformance suites.
import { expect } from 'vitest';
import { StorageError } from '../../src/storage';

let counter = 0;

/** A name no other test in this run uses (IndexedDB databases outlive a failed test). */
export const uniqueName = (prefix: string): string => `${prefix}-${Date.now().toString(36)}-${++counter}`;

/** Awaits a call that must fail with a StorageError and returns the error. */
export async function rejection(promise: Promise<unknown>): Promise<StorageError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(StorageError);
    return error as StorageError;
  }
  throw new Error('expected the call to fail');
}
