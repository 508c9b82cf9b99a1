/**
 * The contract as portable JSON, for servers outside JavaScript (the Django app validates with the
 * JSON Schemas and renders the resource templates). `permsocket export-contract` writes it.
 * @packageDocumentation
 */
import type { StandardJSONSchemaV1 } from '@standard-schema/spec';
import type { Contract } from './contract';

/** The JSON Schema dialect of every exported payload schema. */
export const CONTRACT_JSON_SCHEMA_TARGET = 'draft-2020-12';

/** One action as JSON. */
export interface ActionJson {
  /** The permission the action needs, or null for any signed-in user. */
  permission: string | null;
  /** The resource template (`room:{room}`), or null for a global check. */
  resource: string | null;
  idempotent: boolean;
  /** The payload's JSON Schema (draft 2020-12), or null for an action without a schema. */
  payload: Record<string, unknown> | null;
}

/** A contract as JSON: `{ actions: { name: ActionJson }, events: [name] }`. */
export interface ContractJson {
  actions: Record<string, ActionJson>;
  events: string[];
}

/** Why a contract cannot be exported; the message names the action and what to change. */
export class ContractExportError extends Error {
  override name = 'ContractExportError';
}

function payloadJsonSchema(name: string, schema: unknown): Record<string, unknown> | null {
  if (schema === undefined) return null;
  const converter = (schema as Partial<StandardJSONSchemaV1>)['~standard']?.jsonSchema;
  if (!converter || typeof converter.input !== 'function') {
    throw new ContractExportError(
      `action "${name}": its payload schema does not implement Standard JSON Schema (~standard.jsonSchema), so other servers cannot validate with it; use a library that does (zod 4, for one) or wrap the schema`,
    );
  }
  try {
    return converter.input({ target: CONTRACT_JSON_SCHEMA_TARGET });
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new ContractExportError(`action "${name}": its payload schema has no JSON Schema form (${reason})`, { cause: error });
  }
}

/**
 * Builds the JSON form of a contract. Throws {@link ContractExportError} for an action whose
 * resource is a function (only a template leaves JavaScript) or whose schema has no JSON Schema.
 */
export function contractToJson(contract: Contract): ContractJson {
  const actions: Record<string, ActionJson> = {};
  for (const [name, definition] of Object.entries(contract.actions)) {
    if (definition.resource !== undefined && definition.resourceTemplate === undefined) {
      throw new ContractExportError(
        `action "${name}": its resource is a function, which cannot leave JavaScript; write it as a template over payload fields, such as resource: 'room:{room}'`,
      );
    }
    actions[name] = {
      permission: definition.permission,
      resource: definition.resourceTemplate ?? null,
      idempotent: definition.idempotent,
      payload: payloadJsonSchema(name, definition.payload),
    };
  }
  return { actions, events: Object.keys(contract.events) };
}

/** The contract JSON as a file: two-space indentation and a final newline. */
export function contractJsonText(contract: Contract): string {
  return `${JSON.stringify(contractToJson(contract), null, 2)}\n`;
}
