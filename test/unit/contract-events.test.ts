/**
 * An event definition is a real (frozen) object, so a contract lists its events wherever it goes:
 * in `in` checks, in Object.keys and in the JSON a contract is exported as.
 */
import { describe, expect, it } from 'vitest';
import { defineContract, event } from 'permsocket';

describe('event()', () => {
  it('returns a frozen object that carries nothing at run time', () => {
    const definition = event<{ id: string }>();
    expect(typeof definition).toBe('object');
    expect(definition).not.toBeNull();
    expect(Object.keys(definition)).toEqual([]);
    expect(Object.isFrozen(definition)).toBe(true);
  });

  it('keeps every event of a contract in its JSON form', () => {
    const contract = defineContract({ actions: {}, events: { 'notes.added': event<{ id: string }>(), 'notes.removed': event<{ id: string }>() } });
    expect(JSON.parse(JSON.stringify(contract))).toEqual({ actions: {}, events: { 'notes.added': {}, 'notes.removed': {} } });
  });
});
