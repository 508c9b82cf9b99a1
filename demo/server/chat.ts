/**
 * The reference chat app's action handlers. The engine has validated the payload and checked the
 * permission with the contract's rule before they run, so they only check that what the payload
 * names exists (`not_found`), do the work and publish the room event.
 */
import type { EventDataOf, EventName } from 'permsocket/protocol';
import { RequestError, type Handlers } from 'permsocket/server';
import { ROOMS, type ChatContract } from '../contract';
import type { MessageStore } from './messages';

/** One handler per contract action, typed from the contract. */
export type ChatHandlers = Handlers<ChatContract>;

/** Publishes a chat event to the connections allowed to see it (the engine's `publish`). */
export type PublishEvent = <E extends EventName<ChatContract>>(
  name: E,
  data: EventDataOf<ChatContract, E>,
  audience: { permission: string; resource: string },
) => Promise<void>;

/** The permission and resource a connection needs to receive the events of a room. */
export function roomAudience(room: string): { permission: string; resource: string } {
  return { permission: 'chat.view_message', resource: `room:${room}` };
}

const knownRoom = (room: string) => (ROOMS as readonly string[]).includes(room);

function requireRoom(room: string): void {
  if (!knownRoom(room)) throw new RequestError('not_found', `no room "${room.slice(0, 64)}"`);
}

/** Creates the chat handlers over a message store; events go out through `publish`. */
export function createChatHandlers(messages: MessageStore, publish: PublishEvent): ChatHandlers {
  // Delivery is the engine's business: a failing hub is logged there, the request still succeeds.
  const announce = (send: Promise<void>) => void send.catch(() => {});
  return {
    'chat.history': ({ room }) => {
      requireRoom(room);
      return { messages: messages.history(room) };
    },
    // The key is stored with the message: a send re-sent after a crash between the insert and the
    // answer gets the stored message back, and the room hears about it once.
    'chat.send': ({ room, text }, { user, key }) => {
      requireRoom(room);
      const { message, created } = messages.add(room, text, user.name, Date.now(), key);
      if (created) announce(publish('chat.message', { message }, roomAudience(room)));
      return { message };
    },
    'chat.delete': ({ room, id }) => {
      requireRoom(room);
      if (!messages.remove(room, id)) throw new RequestError('not_found', `no message "${id}" in room "${room}"`);
      announce(publish('chat.deleted', { room, id }, roomAudience(room)));
      return {};
    },
  };
}
