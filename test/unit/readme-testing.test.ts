import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { defineContract } from 'permsocket';
import { permsocketServer } from 'permsocket/testing';

const read = (path: string) => readFileSync(new URL(`../../${path}`, import.meta.url), 'utf8');
// StrykerJS puts `// @ts-nocheck` on top of every test file in its sandbox: not part of the example.
const readExample = (path: string) => read(path).replace(/^\/\/ @ts-nocheck\n/, '');
const readme = read('README.md');

/** The fenced code blocks of one README section, in order. */
function blocksOf(heading: string): string[] {
  const section = readme.split(`\n## ${heading}\n`)[1]?.split('\n## ')[0] ?? '';
  return [...section.matchAll(/^```\w*\n([\s\S]*?)^```$/gm)].map((match) => match[1]!);
}

describe('the README’s testing section', () => {
  // Each example is a file that runs in its vitest project, word for word as the README shows it.
  it.each([
    [0, 'test/testing/setup.ts'],
    [1, 'test/react/readme-testing.test.tsx'],
    [2, 'test/testing/readme-timers.test.ts'],
  ])('shows example %i exactly as %s runs it', (index, file) => {
    expect(blocksOf('Testing')[index]).toBe(readExample(file));
  });

  it('documents every option and member of the fake', () => {
    const section = readme.split('\n## Testing\n')[1]?.split('\n## ')[0] ?? '';
    const names = ['url', 'user', 'grants', 'handlers', 'latency', 'tokenTtl', 'authTimeout', 'onHandlerError'];
    const members = Object.keys(permsocketServer(defineContract({ actions: {} }), { url: 'wss://readme.test/ws' }));
    expect(members.length).toBeGreaterThan(10);
    for (const name of [...names, ...members]) expect(section).toMatch(new RegExp(`^\\| \`${name}[(\`]`, 'm'));
  });
});

describe('the package', () => {
  it('has the MIT license package.json declares', () => {
    expect(JSON.parse(read('package.json')).license).toBe('MIT');
    expect(read('LICENSE')).toMatch(/^MIT License\n\nCopyright \(c\) 2026 the permsocket authors\n/);
  });

  it('tells a new user how to install it', () => {
    expect(readme.split('\n## Install\n')[1]?.slice(0, 200)).toContain('npm install permsocket');
  });
});
