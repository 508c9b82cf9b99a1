import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { defaults } from 'permsocket';

const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');

/** The defaults object flattened to dotted names: { 'retry.minDelay': 500, ... }. */
function flatten(value: object, prefix = ''): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, inner] of Object.entries(value)) {
    if (typeof inner === 'object' && inner !== null) Object.assign(out, flatten(inner, `${prefix}${key}.`));
    else out[`${prefix}${key}`] = inner;
  }
  return out;
}

/** Rows of the README's "Client options" table whose default is a literal: { name: value }. */
function documentedDefaults(): Record<string, unknown> {
  const section = readme.split('## Client options')[1]?.split('\n## ')[0] ?? '';
  const out: Record<string, unknown> = {};
  // Literal defaults only: `globalThis.WebSocket` is a description, not a value to compare.
  for (const match of section.matchAll(/^\| `([\w.]+)` \| `(-?\d+|true|false|null)` \|/gm)) {
    out[match[1]!] = JSON.parse(match[2]!);
  }
  return out;
}

describe('the README', () => {
  it('starts with the two quickstart commands', () => {
    const quickstart = readme.split('## Quickstart')[1]?.slice(0, 400) ?? '';
    expect(quickstart).toContain('npm install && npm run demo');
    expect(quickstart).toContain('npm test');
  });

  it('documents every default option exactly as the defaults object has it', () => {
    expect(documentedDefaults()).toEqual(flatten(defaults));
  });

  it('shows the Use example exactly as test/testing/readme-use.ts runs it', () => {
    const use = readme.split('\n## Use\n')[1]?.split('\n## ')[0] ?? '';
    const example = readFileSync(new URL('../testing/readme-use.ts', import.meta.url), 'utf8').replace(/^\/\/ @ts-nocheck\n/, '');
    expect(use.match(/^```ts\n([\s\S]*?)^```$/m)?.[1]).toBe(example);
  });

  it.each(['state', 'ready', 'permissions', 'permission-denied', 'auth-error', 'error', 'close'])('documents the %s event', (name) => {
    expect(readme).toContain(`| \`${name}\` |`);
  });

  it.each([1000, 1001, 1003, 1009, 4000, 4400, 4401, 4403, 4406, 4408, 4429])('documents close code %i', (code) => {
    expect(readme).toMatch(new RegExp(`^\\| [^|]*\\b${code}\\b`, 'm'));
  });
});
