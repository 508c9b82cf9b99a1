import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CONTRACT_PATH, contractFile, contractJson } from '../../demo/django/export-contract';
import { chatContract } from '../../demo/contract';

describe('the Django server contract table', () => {
  it('is exactly what export-contract.ts generates from the TypeScript contract', () => {
    // Fails when demo/contract.ts changed without `tsx demo/django/export-contract.ts`.
    expect(readFileSync(CONTRACT_PATH, 'utf8')).toBe(contractFile(chatContract));
  });

  it('derives each resource template by calling the resource function', () => {
    const json = contractJson(chatContract);
    expect(json.actions['chat.send']).toEqual({ permission: 'chat.send_message', resource: 'room:{room}', idempotent: false });
    expect(json.events).toEqual(['chat.message', 'chat.deleted']);
  });
});
