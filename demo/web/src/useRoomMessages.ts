/**
 * One room's messages: history on mount and after every reconnect (to catch up on what was missed),
 * live events, and the messages this tab is still sending.
 */
import { useEffect, useRef, useState } from 'react';
import { isPermsocketError } from 'permsocket';
import type { Message } from '../../contract';
import { applyHistory, deleteLeftItGone, mergeMessages, neverSent, sendFailureText, startTracking, unsentText } from './messages';
import { useCan, useClient, useClientEvent, useEvent } from './permsocket';
import { useToasts, type ToastStore } from './toast-store';

/** A message this tab sent that the server has not confirmed yet. */
export interface PendingMessage {
  localId: number;
  text: string;
}

/** A message that never left this tab (an outage), kept with the reason until sent again or discarded. */
export interface UnsentMessage extends PendingMessage {
  reason: string;
}

let nextLocalId = 1;

/** Toasts a failed request; refusals already have theirs from the client's permission-denied event. */
function report(toasts: ToastStore, text: string, error: unknown) {
  if (isPermsocketError(error, 'PermissionDeniedError')) return;
  toasts.push('error', text);
}

const reason = (error: unknown) => (error instanceof Error ? error.message : String(error));

/** A room's messages and pending sends, with `send` and `remove`; `canView` says whether the user may read it. */
export function useRoomMessages(room: string) {
  const client = useClient();
  const toasts = useToasts();
  const canView = useCan('chat.history', { room });
  const [messages, setMessages] = useState<Message[]>([]);
  const [pending, setPending] = useState<PendingMessage[]>([]);
  const [unsent, setUnsent] = useState<UnsentMessage[]>([]);
  // Ids already sent again: a second click before the list re-renders must not send twice.
  const resent = useRef(new Set<number>());
  const [connections, setConnections] = useState(0);
  // What arrived and what was deleted while the current history request is in flight.
  const tracking = useRef<ReturnType<typeof startTracking> | null>(null);

  useClientEvent('ready', () => setConnections((n) => n + 1));

  useEffect(() => {
    if (!canView) {
      tracking.current = null;
      setMessages([]);
      return;
    }
    let current = true;
    const since = startTracking();
    tracking.current = since;
    client.request('chat.history', { room }).then(
      ({ messages: history }) => {
        if (!current) return;
        tracking.current = null;
        setMessages((list) => applyHistory(list, history, since));
      },
      (error: unknown) => {
        if (!current) return;
        tracking.current = null;
        report(toasts, `Could not load #${room}: ${reason(error)}`, error);
      },
    );
    return () => {
      current = false;
      if (tracking.current === since) tracking.current = null;
    };
  }, [client, toasts, room, canView, connections]);

  /** Shows messages that arrived live; a history answer in flight may predate them, so they are noted. */
  function arrived(message: Message) {
    tracking.current?.arrived.add(message.id);
    setMessages((list) => mergeMessages(list, [message]));
  }

  /** Removes a message; a history answer in flight may still hold it, so it is noted. */
  function gone(id: string) {
    tracking.current?.deleted.add(id);
    setMessages((list) => list.filter((message) => message.id !== id));
  }

  useEvent('chat.message', ({ message }) => {
    if (message.room === room) arrived(message);
  });
  useEvent('chat.deleted', (data) => {
    if (data.room === room) gone(data.id);
  });

  /**
   * Sends `text`; resolves false when it failed (after the toast), so the composer can give it
   * back. One that never left this tab is kept in the list instead, with "Send again".
   */
  async function send(text: string): Promise<boolean> {
    const localId = nextLocalId++;
    setPending((list) => [...list, { localId, text }]);
    try {
      // While reconnecting this waits in the client's queue and goes out after the next auth.ok.
      const { message } = await client.request('chat.send', { room, text });
      arrived(message);
      return true;
    } catch (error) {
      if (neverSent(error)) {
        setUnsent((list) => [...list, { localId, text, reason: unsentText(error) }]);
        return true;
      }
      report(toasts, sendFailureText(room, error), error);
      return false;
    } finally {
      setPending((list) => list.filter((item) => item.localId !== localId));
    }
  }

  async function remove(id: string) {
    try {
      await client.request('chat.delete', { room, id });
      gone(id);
    } catch (error) {
      // chat.delete is re-sent once after a dropped connection: not_found then means the first
      // attempt (or someone else) already deleted it. Either way the message is gone.
      if (deleteLeftItGone(error)) gone(id);
      else report(toasts, `Message not deleted: ${reason(error)}`, error);
    }
  }

  /** Sends an unsent message again, once: it leaves the unsent list before the request starts. */
  function resend(localId: number) {
    const item = unsent.find((candidate) => candidate.localId === localId);
    if (!item || resent.current.has(localId)) return;
    resent.current.add(localId);
    setUnsent((list) => list.filter((candidate) => candidate.localId !== localId));
    void send(item.text);
  }

  function discard(localId: number) {
    setUnsent((list) => list.filter((candidate) => candidate.localId !== localId));
  }

  return { canView, messages, pending, unsent, send, resend, discard, remove };
}
