// The layer rules of docs/architecture.md are enforced by lint; these cases prove each rule still fires, and
// that the imports each layer is meant to use stay allowed.
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

const eslint = new ESLint();

async function restrictedImports(filePath: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath });
  return (result?.messages ?? []).filter((message) => message.ruleId === 'no-restricted-imports').map((message) => message.message);
}

const forbidden: Array<[string, string, string]> = [
  ['src/core/chunk.ts', "import { createStorage } from '../storage';", 'core imports nothing of ours'],
  ['src/core/chunk.ts', "import fs from 'node:fs';", 'core imports no Node built-ins'],
  ['src/core/chunk.ts', "import { FlApp } from '../gadgets/fl-app';", 'core imports no gadgets'],
  ['src/storage/memory/memory-storage.ts', "import { FlApp } from '../../gadgets/fl-app';", 'storage imports no UI'],
  ['src/arrays/channel-array.ts', "import { startServer } from '../server/main';", 'arrays import no server code'],
  ['src/gadgets/fl-chart.ts', "import { IndexedDbStorage } from '../storage/indexeddb/indexeddb-storage';", 'gadgets never import storage implementations'],
  ['src/gadgets/fl-chart.ts', "import { buildApp } from '../server/http/app';", 'gadgets never import server code'],
  ['src/controllers/sync-controller.ts', "import { FlApp } from '../gadgets/fl-app';", 'controllers never import gadgets'],
  ['src/server/http/app.ts', "import { FlApp } from '../../gadgets/fl-app';", 'server never imports gadgets'],
  ['src/server/http/app.ts', "import { LitElement } from 'lit';", 'server never imports DOM code'],
  ['sw/sw.ts', "import { createStorage } from '../src/storage';", 'sw imports core only'],
  ['src/analytics/cli.ts', "import { createStorage } from '../storage';", 'analytics imports core only'],
  ['src/analytics/cli.ts', "import { startServer } from '../server/main';", 'analytics imports no server code'],
];

const allowed: Array<[string, string]> = [
  ['src/core/chunk.ts', "import { apiErrorBody } from './api';"],
  ['src/storage/memory/memory-storage.ts', "import { apiErrorBody } from '../../core';"],
  ['src/gadgets/fl-chart.ts', "import { OnlineStatusController } from '../controllers';"],
  ['src/gadgets/fl-chart.ts', "import type { Storage } from '../storage';"],
  ['src/server/http/app.ts', "import { apiErrorBody } from '../../core';"],
  ['sw/sw.ts', "import { isHealthReport } from '../src/core';"],
  ['src/analytics/cli.ts', "import { scoreAnomaly } from '../core';"],
];

describe('layer boundaries (lint)', () => {
  it.each(forbidden)('%s: %s is refused (%s)', async (filePath, code) => {
    expect(await restrictedImports(filePath, code)).toHaveLength(1);
  });

  it.each(allowed)('%s: %s is allowed', async (filePath, code) => {
    expect(await restrictedImports(filePath, code)).toEqual([]);
  });

  it('core may not touch browser or Node globals', async () => {
    const [result] = await eslint.lintText('export const here = window.location.href;\n', { filePath: 'src/core/where.ts' });
    expect(result?.messages.map((message) => message.ruleId)).toContain('no-restricted-globals');
  });

  it('enums are refused everywhere (string-literal unions instead)', async () => {
    const [result] = await eslint.lintText("export enum Unit { Celsius = 'C' }\n", { filePath: 'src/core/units.ts' });
    expect(result?.messages.map((message) => message.ruleId)).toContain('no-restricted-syntax');
  });
});
