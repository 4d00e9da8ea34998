import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** A fresh empty folder under the OS temp dir; remove it with `fs.rmSync(dir, {recursive: true})`. */
export function makeTempDir(prefix = 'fieldline-test-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}
