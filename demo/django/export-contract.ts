/**
 * Writes demo/django/contract.json from the TypeScript chat contract, so the Django server's
 * action -> permission/resource table is generated, never hand-copied.
 * Run: node_modules/.bin/tsx demo/django/export-contract.ts
 */
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Contract } from 'permsocket';
import { chatContract } from '../contract';

/** The JSON the Django server loads: each action's permission, resource template and idempotence. */
export interface ContractJson {
  actions: Record<string, { permission: string | null; resource: string | null; idempotent: boolean }>;
  events: string[];
}

/**
 * A payload whose every property reads as `{name}`, so calling a resource function with it
 * yields its template (`room:${p.room}` -> `room:{room}`) without parsing the function's source.
 */
const placeholders = new Proxy({}, { get: (_target, name) => (typeof name === 'string' ? `{${name}}` : undefined) });

/** Builds the JSON form of a contract. */
export function contractJson(contract: Contract): ContractJson {
  const actions: ContractJson['actions'] = {};
  for (const [name, definition] of Object.entries(contract.actions)) {
    actions[name] = {
      permission: definition.permission,
      resource: definition.resource ? definition.resource(placeholders) : null,
      idempotent: definition.idempotent,
    };
  }
  return { actions, events: Object.keys(contract.events) };
}

/** The file as committed: two-space JSON and a final newline. */
export function contractFile(contract: Contract = chatContract): string {
  return `${JSON.stringify(contractJson(contract), null, 2)}\n`;
}

/** Where the Django server reads it. */
export const CONTRACT_PATH = fileURLToPath(new URL('./contract.json', import.meta.url));

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  writeFileSync(CONTRACT_PATH, contractFile());
  console.log(`wrote ${CONTRACT_PATH}`);
}
