/**
 * The contract: each action's payload, result and required permission, and each event's data,
 * defined once and shared by the browser and the servers. A payload declared as a Standard
 * Schema (zod, valibot, arktype, ...) and a resource given as a template (`'room:{room}'`) make
 * an action portable data: `permsocket export-contract` writes them as JSON for other servers.
 * @packageDocumentation
 */
import type { StandardSchemaV1 } from '@standard-schema/spec';
import type { PermissionSet } from './permissions';

/** The names of a payload's fields that a resource template may use: strings and numbers. */
export type TemplateField<Payload> = {
  [K in keyof Payload & string]-?: NonNullable<Payload[K]> extends string | number ? K : never;
}[keyof Payload & string];

/**
 * A resource template over a payload's fields, checked by the compiler: each `{name}` must be a
 * string or number field of the payload (`'room:{room}'`).
 */
export type ResourceTemplate<Payload> = `${string}{${TemplateField<Payload>}}${string}`;

/**
 * A type-only marker for an action's result, for actions whose payload type is inferred from a
 * schema (TypeScript cannot take `Result` explicitly and infer `Payload`): `result: returns<R>()`.
 * It carries nothing at run time; the handler's return type is checked against it.
 */
export interface ResultType<Result> {
  readonly '~result'?: Result;
}

/** Declares an action's result type for {@link action}'s `result` option. */
export function returns<Result>(): ResultType<Result> {
  return {};
}

/** Options of one action. */
export interface ActionOptions<Payload, Result = unknown, Parsed = Payload> {
  /**
   * The permission (`app_label.codename`) a user needs to call the action, or `null` for an
   * action anyone signed in may call. Required, so that an open action is always a decision.
   */
  permission: string | null;
  /**
   * The payload's schema, any Standard Schema (zod, valibot, arktype, ...). The payload type is
   * inferred from it; servers validate with it before the permission check and answer
   * `bad_request` with its first issue when it fails, and a handler receives its output. A schema
   * that implements Standard JSON Schema (`~standard.jsonSchema`, zod 4 does) is exported to other
   * servers by `permsocket export-contract`. Without one the action is typed only: nothing checks
   * the payload's shape at run time.
   */
  payload?: StandardSchemaV1<Payload, Parsed>;
  /** The result type, when `payload` is a schema: `result: returns<{ message: Message }>()`. */
  result?: ResultType<Result>;
  /**
   * The resource the permission is checked on, for object-level grants such as
   * `chat.send_message@room:general`: a template over the payload's fields (`'room:{room}'`,
   * portable to other servers) or a function of the payload (JavaScript only). Omit it for a
   * global check. Servers derive it from the validated payload.
   */
  resource?: ResourceTemplate<Payload> | ((payload: Payload) => string);
  /**
   * Whether the request may be sent again after a reconnect when its answer was lost.
   * @default false
   */
  idempotent?: boolean;
}

/**
 * One action of a contract. `~types` only carries the types; it is always undefined at run time.
 * `resource` is always a function (a template is compiled to one); `resourceTemplate` keeps the
 * template when there is one, so the action can leave JavaScript.
 */
export interface ActionDefinition<Payload, Result, Parsed = Payload> {
  readonly permission: string | null;
  readonly resource: ((payload: Payload) => string) | undefined;
  /** The resource template (`'room:{room}'`), or undefined for a function resource or none. */
  readonly resourceTemplate: string | undefined;
  readonly idempotent: boolean;
  /** The payload's Standard Schema, or undefined for a typed-only action. */
  readonly payload: StandardSchemaV1<Payload, Parsed> | undefined;
  readonly '~types'?: { payload: Payload; result: Result; parsed: Parsed };
}

/** One server event of a contract. `~types` only carries the type of its data. */
export interface EventDefinition<Data> {
  readonly '~types'?: { data: Data };
}

/** A contract's actions and events. */
export interface Contract {
  readonly actions: Readonly<Record<string, ActionDefinition<any, any, any>>>;
  readonly events: Readonly<Record<string, EventDefinition<any>>>;
}

const PLACEHOLDER = /\{([A-Za-z_$][\w$]*)\}/g;

/** The field names a resource template reads, in order: `'room:{room}'` -> `['room']`. */
export function templateFields(template: string): string[] {
  return [...template.matchAll(PLACEHOLDER)].map((match) => match[1] as string);
}

// A template: text without braces around one or more `{field}` placeholders.
const TEMPLATE = /^(?:[^{}]*\{[A-Za-z_$][\w$]*\})+[^{}]*$/;

/** Renders a template with a payload's fields; a missing field renders as an empty string. */
export function renderTemplate(template: string, payload: unknown): string {
  return compileTemplate(template)(payload);
}

/**
 * A template made into a function once: split on its placeholders ('room:{room}' -> ['room:',
 * 'room', '']), so each request joins strings instead of running a regular expression.
 */
function compileTemplate(template: string): (payload: unknown) => string {
  const parts = template.split(PLACEHOLDER);
  // A loop rather than reduce: no callback allocated per request.
  return (payload) => {
    let text = parts[0] as string;
    for (let i = 1; i < parts.length; i += 2) {
      const field = parts[i] as string;
      const value = payload && Object.hasOwn(payload, field) ? (payload as Record<string, unknown>)[field] : undefined;
      text += (value == null ? '' : String(value)) + (parts[i + 1] as string);
    }
    return text;
  };
}

/**
 * Declares an action: its payload (a Standard Schema, or a type only), its result type and the
 * permission it needs.
 * @example
 * // Typed only: the payload's shape is not checked at run time.
 * action<{ room: string; text: string }, { message: Message }>({
 *   permission: 'chat.send_message',
 *   resource: (p) => `room:${p.room}`,
 * })
 * // Validated and portable: the payload type is inferred from the schema.
 * action({
 *   payload: z.object({ room: z.string(), text: z.string() }),
 *   result: returns<{ message: Message }>(),
 *   permission: 'chat.send_message',
 *   resource: 'room:{room}',
 * })
 */
export function action<Payload, Result = unknown, Parsed = Payload>(
  options: ActionOptions<Payload, Result, Parsed>,
  // NoInfer: inside defineContract the expected type would otherwise make an unset Result `any`.
): ActionDefinition<Payload, NoInfer<Result>, Parsed> {
  const { resource, payload: schema } = options;
  const template = typeof resource == 'string' ? resource : undefined;
  // Checked when the contract is defined, so a typo fails at startup rather than on a request.
  if (template !== undefined && !TEMPLATE.test(template)) {
    throw new TypeError(`resource template "${template}": put payload field names in braces, as in 'room:{room}'`);
  }
  if (schema && typeof schema['~standard']?.validate != 'function') throw new TypeError('payload expects a Standard Schema');
  return Object.freeze({
    permission: options.permission,
    resource: template === undefined ? (resource as ((payload: Payload) => string) | undefined) : compileTemplate(template),
    resourceTemplate: template,
    idempotent: options.idempotent ?? false,
    payload: schema,
  });
}

/** Declares a server event and the type of its data. */
export function event<Data>(): EventDefinition<Data> {
  return Object.freeze({});
}

/** Groups actions and events into a contract (frozen, with its actions and events). */
export function defineContract<
  const Actions extends Record<string, ActionDefinition<any, any, any>>,
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
/** The payload type of one action, as a client sends it (a schema's input type). */
export type PayloadOf<C extends Contract, A extends ActionName<C>> = NonNullable<C['actions'][A]['~types']>['payload'];
/** The payload type a server handler receives: a schema's output type (the payload type without one). */
export type ParsedPayloadOf<C extends Contract, A extends ActionName<C>> = NonNullable<C['actions'][A]['~types']>['parsed'];
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
// by a name that arrived on the wire, after the action's schema accepted the payload.
/**
 * The contract's rule for one call: the permission and resource it needs, or null when the
 * action needs none. The client and the servers call this same function.
 */
export function requiredPermission(definition: ActionDefinition<any, unknown, unknown>, payload: unknown): RequiredPermission | null {
  if (definition.permission === null) return null;
  return { permission: definition.permission, resource: definition.resource?.(payload) };
}

/** The result of {@link checkAction}: allowed, or refused with what was missing. */
export type ActionCheck = { allowed: true } | { allowed: false; permission: string; resource: string | undefined };

/**
 * What one call lacks under a permission snapshot, or undefined when the contract's rule
 * ({@link requiredPermission}) allows it. {@link checkAction} is this with a result object; the
 * client checks every request here, so an allowed call allocates nothing.
 */
export function refusal(
  definition: ActionDefinition<any, unknown, unknown>,
  payload: unknown,
  permissions: Pick<PermissionSet, 'can'>,
): { permission: string; resource: string | undefined } | undefined {
  const { permission } = definition;
  if (permission === null) return undefined;
  const resource = definition.resource?.(payload);
  return permissions.can(permission, resource) ? undefined : { permission, resource };
}

/** Applies the contract's rule to one call against a permission snapshot. */
export function checkAction(
  definition: ActionDefinition<any, unknown, unknown>,
  payload: unknown,
  permissions: Pick<PermissionSet, 'can'>,
): ActionCheck {
  const missing = refusal(definition, payload, permissions);
  return missing ? { allowed: false, ...missing } : { allowed: true };
}

/** The outcome of {@link validatePayload}: the payload a handler receives, or what is wrong with it. */
export type PayloadCheck<Parsed = unknown> = { ok: true; value: Parsed } | { ok: false; message: string };

function describeIssue(issue: StandardSchemaV1.Issue): string {
  const path = (issue.path ?? []).map((segment) => String(typeof segment === 'object' ? segment.key : segment));
  return path.length === 0 ? issue.message : `${issue.message} (at ${path.join('.')})`;
}

// The fields of each template, parsed once: servers check them on every request.
const fieldsOf = new Map<string, string[]>();

function checkTemplateFields(definition: ActionDefinition<any, unknown, unknown>, value: unknown): PayloadCheck {
  const template = definition.resourceTemplate;
  if (template === undefined) return { ok: true, value };
  // null is an object too; `fields &&` below keeps it from Object.hasOwn.
  const fields = typeof value === 'object' ? (value as Record<string, unknown> | null) : undefined;
  let names = fieldsOf.get(template);
  // Stryker disable next-line ConditionalExpression: a cache; parsing the template again gives the same names
  if (!names) fieldsOf.set(template, (names = templateFields(template)));
  for (const name of names) {
    const field = fields && Object.hasOwn(fields, name) ? fields[name] : undefined;
    // Number.isFinite is false for anything but a finite number (it does not coerce).
    if (typeof field !== 'string' && !Number.isFinite(field)) {
      return { ok: false, message: `expected '${name}' (of the resource ${template}) to be a string or a number` };
    }
  }
  return { ok: true, value };
}

/**
 * Validates a payload the way servers do before the permission check: with the action's schema
 * when it has one, then the fields its resource template reads must be strings or numbers. Returns
 * synchronously unless the schema validates asynchronously.
 */
export function validatePayload(
  definition: ActionDefinition<any, unknown, unknown>,
  payload: unknown,
): PayloadCheck | Promise<PayloadCheck> {
  const schema = definition.payload;
  if (schema === undefined) return checkTemplateFields(definition, payload);
  const settle = (result: StandardSchemaV1.Result<unknown>): PayloadCheck => {
    if (result.issues) {
      const first = result.issues[0];
      return { ok: false, message: first ? describeIssue(first) : 'the payload was refused by its schema' };
    }
    return checkTemplateFields(definition, result.value);
  };
  const result = schema['~standard'].validate(payload);
  return result instanceof Promise ? result.then(settle) : settle(result);
}
