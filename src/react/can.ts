/**
 * `<Can>`: renders its children only when the current permissions allow an action.
 * @packageDocumentation
 */
import { createElement, Fragment, type ReactElement, type ReactNode } from 'react';
import { useCan } from './hooks';

/** Props of {@link Can}. */
export interface CanProps {
  /** The contract action to check. */
  action: string;
  /** The payload the resource is derived from; without it a resource-checked action asks for every resource. */
  payload?: unknown;
  /** Rendered instead of the children when the action is not allowed. */
  fallback?: ReactNode;
  children?: ReactNode;
}

/**
 * Renders `children` when the action is allowed, `fallback` (default nothing) when it is not,
 * and switches as soon as a new permission set arrives.
 * @example
 * <Can action="chat.send" payload={{ room, text }} fallback={<p>Read only</p>}>
 *   <Composer />
 * </Can>
 */
export function Can({ action, payload, fallback = null, children = null }: CanProps): ReactElement {
  const allowed = useCan(action, payload);
  return createElement(Fragment, null, allowed ? children : fallback);
}
