/**
 * One room's messages: history on mount and after every reconnect (to catch up on what was missed),
 * live events, and the messages this tab is still sending.
 */
import { useEffect, useState } from 'react';
import { isPermsocketError } from 'permsocket';
import type { Message } from '../../contract';
import { applyHistory, mergeMessages } from './messages';
import { useCan, useClient, useClientEvent, useEvent } from './permsocket';
import { useToasts, type ToastStore } from './toast-store';

/** A message this tab sent that the server has not confirmed yet. */
export interface PendingMessage {
  localId: number;
  text: string;
}

let nextLocalId = 1;

/** Toasts a failed request; refusals already have theirs from the client's permission-denied event. */
function report(toasts: ToastStore, what: string, error: unknown) {
  if (isPermsocketError(error, 'PermissionDeniedError')) return;
  toasts.push('error', `${what}: ${error instanceof Error ? error.message : String(error)}`);
}

/** A room's messages and pending sends, with `send` and `remove`; `canView` says whether the user may read it. */
export function useRoomMessages(room: string) {
  const client = useClient();
  const toasts = useToasts();
  const canView = useCan('chat.history', { room });
  const [messages, setMessages] = useState<Message[]>([]);
  const [pending, setPending] = useState<PendingMessage[]>([]);
  const [connections, setConnections] = useState(0);

  useClientEvent('ready', () => setConnections((n) => n + 1));

  useEffect(() => {
    if (!canView) {
      setMessages([]);
      return;
    }
    let current = true;
    client.request('chat.history', { room }).then(
      ({ messages: history }) => current && setMessages((list) => applyHistory(list, history)),
      (error: unknown) => current && report(toasts, `Could not load #${room}`, error),
    );
    return () => {
      current = false;
    };
  }, [client, toasts, room, canView, connections]);

  useEvent('chat.message', ({ message }) => {
    if (message.room === room) setMessages((list) => mergeMessages(list, [message]));
  });
  useEvent('chat.deleted', (data) => {
    if (data.room === room) setMessages((list) => list.filter((message) => message.id !== data.id));
  });

  async function send(text: string) {
    const localId = nextLocalId++;
    setPending((list) => [...list, { localId, text }]);
    try {
      // While reconnecting this waits in the client's queue and goes out after the next auth.ok.
      const { message } = await client.request('chat.send', { room, text });
      setMessages((list) => mergeMessages(list, [message]));
    } catch (error) {
      report(toasts, 'Message not sent', error);
    } finally {
      setPending((list) => list.filter((item) => item.localId !== localId));
    }
  }

  async function remove(id: string) {
    try {
      await client.request('chat.delete', { room, id });
      setMessages((list) => list.filter((message) => message.id !== id));
    } catch (error) {
      report(toasts, 'Message not deleted', error);
    }
  }

  return { canView, messages, pending, send, remove };
}
