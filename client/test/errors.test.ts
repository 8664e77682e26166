import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { EarshotError, ErrorCode, describeError, isKnownCode, toEarshotError } from '../src/sdk/errors';

/** Every error code the Go server can send, read from its sources. */
function serverCodes(): Set<string> {
  const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
  const codes = new Set<string>();
  const walk = (dir: string): void => {
    for (const name of readdirSync(dir)) {
      const p = join(dir, name);
      if (statSync(p).isDirectory()) {
        if (name !== 'testdata' && !name.startsWith('.')) walk(p);
        continue;
      }
      if (!name.endsWith('.go') || name.endsWith('_test.go')) continue;
      const src = readFileSync(p, 'utf8');
      // Domain refusals: &Error{Code: "x", ...}; transport codes: CodeX Code = "x".
      for (const m of src.matchAll(/Code:\s*"([a-z_]+)"/g)) codes.add(m[1]!);
      for (const m of src.matchAll(/\bCode\w*\s+Code\s*=\s*"([a-z_]+)"/g)) codes.add(m[1]!);
    }
  };
  for (const pkg of readdirSync(root)) {
    const p = join(root, pkg);
    if (['node_modules', 'client', '.git'].includes(pkg) || !statSync(p).isDirectory()) continue;
    walk(p);
  }
  return codes;
}

describe('error codes', () => {
  const codes = serverCodes();

  it('finds the server codes', () => {
    expect(codes.size).toBeGreaterThan(30);
    expect(codes).toContain('monitor_limit');
    expect(codes).toContain('resume_gap');
  });

  it('has a message for people for every code the server can send', () => {
    const missing = [...codes].filter((c) => !isKnownCode(c));
    expect(missing, 'add these codes to ErrorCode and its messages').toEqual([]);
    for (const c of codes) if (c !== ErrorCode.Unknown) expect(describeError(c)).not.toBe(describeError('no_such_code'));
  });

  it('has a distinct message for every SDK code', () => {
    const all = Object.values(ErrorCode);
    for (const c of all) expect(describeError(c).length).toBeGreaterThan(10);
    const texts = new Set(all.map(describeError));
    expect(texts.size).toBe(all.length);
  });

  it('keeps unknown server codes and still describes them', () => {
    const e = new EarshotError('brand_new_code', 'something new');
    expect(e.code).toBe('brand_new_code');
    expect(e.userMessage).toBe(describeError(ErrorCode.Unknown));
    expect(e.message).toBe('brand_new_code: something new');
  });

  it('wraps foreign errors', () => {
    const e = toEarshotError(new TypeError('boom'), ErrorCode.WebRTCFailed);
    expect(e.code).toBe(ErrorCode.WebRTCFailed);
    expect(e.serverMessage).toBe('boom');
    const same = new EarshotError(ErrorCode.Timeout);
    expect(toEarshotError(same)).toBe(same);
  });
});
