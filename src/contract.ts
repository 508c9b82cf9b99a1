/**
 * The contract: each action's payload, result and required permission, and each event's data,
 * defined once and shared by the browser and the servers.
 * @packageDocumentation
 */
import type { PermissionSet } from './permissions';

/** Options of one action. */
export interface ActionOptions<Payload> {
  /**
   * The permission (`app_label.codename`) a user needs to call the action, or `null` for an
   * action anyone signed in may call. Required, so that an open action is always a decision.
   */
  permission: string | null;
  /**
   * Derives the resource the permission is checked on from the payload (`room:general`), for
   * object-level grants such as `chat.send_message@room:general`. Omit it for a global check.
   */
  resource?: (payload: Payload) => string;
  /**
   * Whether the request may be sent again after a reconnect when its answer was lost.
   * @default false
   */
  idempotent?: boolean;
  /**
   * Checks a payload's shape; returns a message saying what is wrong, or undefined when it is
   * good. Servers run it before the permission check and answer `bad_request` when it fails.
   */
  validate?: (payload: unknown) => string | undefined;
}

/** One action of a contract. `~types` only carries the types; it is always undefined at run time. */
export interface ActionDefinition<Payload, Result> {
  readonly permission: string | null;
  readonly resource: ((payload: Payload) => string) | undefined;
  readonly idempotent: boolean;
  readonly validate: ((payload: unknown) => string | undefined) | undefined;
  readonly '~types'?: { payload: Payload; result: Result };
}

/** One server event of a contract. `~types` only carries the type of its data. */
export interface EventDefinition<Data> {
  readonly '~types'?: { data: Data };
}

/** A contract's actions and events. */
export interface Contract {
  readonly actions: Readonly<Record<string, ActionDefinition<any, any>>>;
  readonly events: Readonly<Record<string, EventDefinition<any>>>;
}

/**
 * Declares an action: its payload and result types and the permission it needs.
 * @example
 * action<{ room: string; text: string }, { message: Message }>({
 *   permission: 'chat.send_message',
 *   resource: (p) => `room:${p.room}`,
 * })
 */
export function action<Payload, Result>(options: ActionOptions<Payload>): ActionDefinition<Payload, Result> {
  return Object.freeze({
    permission: options.permission,
    resource: options.resource,
    idempotent: options.idempotent ?? false,
    validate: options.validate,
  });
}

/** Declares a server event and the type of its data. */
export function event<Data>(): EventDefinition<Data> {
  return Object.freeze({});
}

/** Groups actions and events into a contract (frozen, with its actions and events). */
export function defineContract<
  const Actions extends Record<string, ActionDefinition<any, any>>,
  const Events extends Record<string, EventDefinition<any>> = {},
>(contract: { actions: Actions; events?: Events }): { readonly actions: Actions; readonly events: Events } {
  // Frozen all the way to the actions: the server checks with this object, nobody may swap a permission.
  return Object.freeze({
    actions: Object.freeze(contract.actions),
    events: Object.freeze(contract.events ?? ({} as Events)),
  });
}

/** The action names of a contract. */
export type ActionName<C extends Contract> = keyof C['actions'] & string;
/** The payload type of one action. */
export type PayloadOf<C extends Contract, A extends ActionName<C>> = NonNullable<C['actions'][A]['~types']>['payload'];
/** The result type of one action. */
export type ResultOf<C extends Contract, A extends ActionName<C>> = NonNullable<C['actions'][A]['~types']>['result'];
/** The event names of a contract. */
export type EventName<C extends Contract> = keyof C['events'] & string;
/** The data type of one event. */
export type EventDataOf<C extends Contract, E extends EventName<C>> = NonNullable<C['events'][E]['~types']>['data'];

/** What an action needs: a permission and, for an object-level check, a resource. */
export interface RequiredPermission {
  permission: string;
  resource: string | undefined;
}

// These take any definition and an unknown payload: servers call them with an action looked up
// by a name that arrived on the wire, after the action's validate() accepted the payload.
/**
 * The contract's rule for one call: the permission and resource it needs, or null when the
 * action needs none. The client and the servers call this same function.
 */
export function requiredPermission(definition: ActionDefinition<any, unknown>, payload: unknown): RequiredPermission | null {
  if (definition.permission === null) return null;
  return { permission: definition.permission, resource: definition.resource?.(payload) };
}

/** The result of {@link checkAction}: allowed, or refused with what was missing. */
export type ActionCheck = { allowed: true } | { allowed: false; permission: string; resource: string | undefined };

/** Applies the contract's rule to one call against a permission snapshot. */
export function checkAction(
  definition: ActionDefinition<any, unknown>,
  payload: unknown,
  permissions: Pick<PermissionSet, 'can'>,
): ActionCheck {
  const needed = requiredPermission(definition, payload);
  if (needed === null || permissions.can(needed.permission, needed.resource)) return { allowed: true };
  return { allowed: false, permission: needed.permission, resource: needed.resource };
}
