import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { contractJsonText, contractToJson } from 'permsocket/protocol';
import { describe, expect, it } from 'vitest';
import { chatContract } from '../../demo/contract';

const CONTRACT_PATH = fileURLToPath(new URL('../../demo/django/contract.json', import.meta.url));

describe('the Django server contract table', () => {
  it('is exactly what `permsocket export-contract demo/contract.ts` writes from the TypeScript contract', () => {
    // Fails when demo/contract.ts changed without
    // `npx permsocket export-contract demo/contract.ts --out demo/django/contract.json`.
    expect(readFileSync(CONTRACT_PATH, 'utf8')).toBe(contractJsonText(chatContract));
  });

  it('carries each action permission, resource template, idempotence and payload JSON Schema', () => {
    const json = contractToJson(chatContract);
    expect(json.actions['chat.send']).toMatchObject({ permission: 'chat.send_message', resource: 'room:{room}', idempotent: false });
    expect(json.actions['chat.send']?.payload).toMatchObject({
      $schema: 'https://json-schema.org/draft/2020-12/schema',
      type: 'object',
      required: ['room', 'text'],
      properties: { text: { type: 'string', minLength: 1, maxLength: 2000 } },
    });
    expect(json.events).toEqual(['chat.message', 'chat.deleted']);
  });
});
