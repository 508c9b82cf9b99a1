/**
 * The reference chat app's action handlers. They run after the socket layer has validated the
 * payload and checked the permission with the contract's rule, so they only check that what the
 * payload names exists, do the work and publish the room event.
 */
import { ErrorCode, type ActionName, type PayloadOf, type ResultOf } from 'permsocket/protocol';
import { ROOMS, type ChatContract } from '../contract';
import type { Hub } from './hub';
import type { MessageStore } from './messages';
import { failure, success, type Outcome } from './outcome';

/** Who is calling a handler. */
export interface HandlerContext {
  user: { id: number; name: string };
}

/** One handler per contract action, typed from the contract. */
export type ChatHandlers = {
  [A in ActionName<ChatContract>]: (payload: PayloadOf<ChatContract, A>, context: HandlerContext) => Outcome<ResultOf<ChatContract, A>>;
};

/** The permission and resource a connection needs to receive the events of a room. */
export function roomAudience(room: string): { permission: string; resource: string } {
  return { permission: 'chat.view_message', resource: `room:${room}` };
}

const knownRoom = (room: string) => (ROOMS as readonly string[]).includes(room);
const noRoom = (room: string) => failure(ErrorCode.NotFound, `no room "${room.slice(0, 64)}"`);

/** Creates the chat handlers over a message store, publishing events through the hub. */
export function createChatHandlers(messages: MessageStore, hub: Hub): ChatHandlers {
  const publish = (room: string, name: string, data: unknown) => hub.publish({ kind: 'room-event', room, name, data });
  return {
    'chat.history': ({ room }) => (knownRoom(room) ? success({ messages: messages.history(room) }) : noRoom(room)),
    'chat.send': ({ room, text }, { user }) => {
      if (!knownRoom(room)) return noRoom(room);
      const message = messages.add(room, text, user.name, Date.now());
      publish(room, 'chat.message', { message });
      return success({ message });
    },
    'chat.delete': ({ room, id }) => {
      if (!knownRoom(room)) return noRoom(room);
      if (!messages.remove(room, id)) return failure(ErrorCode.NotFound, `no message "${id}" in room "${room}"`);
      publish(room, 'chat.deleted', { room, id });
      return success({});
    },
  };
}
