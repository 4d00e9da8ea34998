// NumPy files (core/npy.ts), the one writer the server and the browser share: the .npy header
// numpy expects (magic, 64-byte alignment, dict), plain float32 and structured rows byte by byte,
// .npz (a zip numpy.load opens), and — where Python with numpy is installed — numpy itself reading them.
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { crc32, npyHeader, structuredNpy, toNpy, toNpz } from '../../src/core';
import { makeTempDir } from '../support/temp-dir';

/** The header dict of a .npy file, and where its data starts. */
function parseNpy(bytes: Uint8Array): { header: string; dataOffset: number } {
  expect(Array.from(bytes.subarray(0, 8))).toEqual([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0]);
  const length = bytes[8]! | (bytes[9]! << 8);
  const header = new TextDecoder('latin1').decode(bytes.subarray(10, 10 + length));
  return { header, dataOffset: 10 + length };
}

const hasNumpy = spawnSync('python3', ['-c', 'import numpy'], { stdio: 'ignore' }).status === 0;

describe('npy', () => {
  it('writes a 64-byte aligned header ending in a newline', () => {
    for (const rows of [0, 1, 12345, 2 ** 31]) {
      const header = npyHeader("'<f4'", rows);
      expect(header.length % 64).toBe(0);
      expect(header[header.length - 1]).toBe(0x0a);
      expect(parseNpy(header).header).toMatch(new RegExp(`^\\{'descr': '<f4', 'fortran_order': False, 'shape': \\(${rows},\\), \\} *\\n$`));
    }
  });

  it('writes float32 values after the header', () => {
    const values = new Float32Array([1.5, -2, Number.NaN, 3.4028234663852886e38]);
    const bytes = toNpy(values);
    const { header, dataOffset } = parseNpy(bytes);
    expect(header).toContain("'shape': (4,)");
    expect(new Float32Array(bytes.slice(dataOffset).buffer)).toEqual(values);
  });

  it('writes structured rows packed in field order', () => {
    const bytes = structuredNpy([
      { name: 'time', type: '<f8', values: [1_764_547_200_000, 1_764_547_200_001] },
      { name: 'value', type: '<f4', values: [0.1, -7] },
    ]);
    const { header, dataOffset } = parseNpy(bytes);
    expect(header).toContain("'descr': [('time', '<f8'), ('value', '<f4')]");
    const view = new DataView(bytes.buffer, dataOffset);
    expect(bytes.length - dataOffset).toBe(2 * 12);
    expect([view.getFloat64(0, true), view.getFloat32(8, true), view.getFloat64(12, true), view.getFloat32(20, true)]).toEqual([1_764_547_200_000, Math.fround(0.1), 1_764_547_200_001, -7]);
    expect(() => structuredNpy([{ name: 'a', type: '<f4', values: [1] }, { name: 'b', type: '<f4', values: [] }])).toThrow(RangeError);
    expect(parseNpy(structuredNpy([{ name: "it's \\ é", type: '<f4', values: [] }])).header).toContain("[('it\\'s \\\\ \\u00e9', '<f4')]");
  });

  it('computes the zip CRC-32', () => {
    expect(crc32(new TextEncoder().encode('123456789'))).toBe(0xcbf43926);
    expect(crc32(new Uint8Array())).toBe(0);
  });

  it('refuses a .npz with a repeated name', () => {
    expect(() => toNpz([{ name: 'a', npy: toNpy(new Float32Array()) }, { name: 'a', npy: toNpy(new Float32Array()) }])).toThrow(/each name once/);
  });

  it.skipIf(!hasNumpy)('is read by numpy: .npy plain and structured, .npz by name (needs python3 with numpy)', () => {
    const dir = makeTempDir('fieldline-npy-');
    try {
      const plain = path.join(dir, 'plain.npy');
      const rows = path.join(dir, 'rows.npy');
      const zip = path.join(dir, 'both.npz');
      fs.writeFileSync(plain, toNpy(new Float32Array([1.5, -2, 0.25])));
      const structured = structuredNpy([
        { name: 'time', type: '<f8', values: [1_764_547_200_000, 1_764_547_200_500] },
        { name: 'value', type: '<f4', values: [0.1, 2.5] },
      ]);
      fs.writeFileSync(rows, structured);
      fs.writeFileSync(zip, toNpz([{ name: 'Power [kW]', npy: structured }, { name: 'wind', npy: toNpy(new Float32Array([7])) }]));
      const script = [
        'import json, sys, numpy as np',
        'a = np.load(sys.argv[1]); b = np.load(sys.argv[2]); z = np.load(sys.argv[3])',
        'print(json.dumps({"plain": a.tolist(), "dtype": str(a.dtype), "names": list(b.dtype.names), "time": b["time"].tolist(), "value": b["value"].astype(float).tolist(), "files": sorted(z.files), "power": z["Power [kW]"]["time"].tolist(), "wind": z["wind"].tolist()}))',
      ].join('\n');
      const out = JSON.parse(execFileSync('python3', ['-c', script, plain, rows, zip], { encoding: 'utf8' })) as Record<string, unknown>;
      expect(out).toEqual({
        plain: [1.5, -2, 0.25],
        dtype: 'float32',
        names: ['time', 'value'],
        time: [1_764_547_200_000, 1_764_547_200_500],
        value: [Math.fround(0.1), 2.5],
        files: ['Power [kW]', 'wind'],
        power: [1_764_547_200_000, 1_764_547_200_500],
        wind: [7],
      });
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
