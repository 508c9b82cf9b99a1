/** The signed-in screen: rooms, the current room, the permission panel and, for a superuser, the admin panel. */
import { useState } from 'react';
import { SUPERUSER_GRANT } from 'permsocket';
import { ROOMS } from '../../contract';
import { AdminPanel } from './AdminPanel';
import { UNKNOWN_ROOM, useShowDisallowed } from './dev-options';
import { DevPanel } from './DevPanel';
import { PermissionNotices } from './PermissionNotices';
import { PermissionPanel } from './PermissionPanel';
import { usePermissions } from './permsocket';
import { Room } from './Room';
import type { Session } from './session';

/** Everything a signed-in user sees; remounted per user so nothing leaks between sessions. */
export function ChatScreen({ session }: { session: Session }) {
  const [chosen, setRoom] = useState<string>(ROOMS[0]);
  const superuser = usePermissions().grants.includes(SUPERUSER_GRANT);
  const showDisallowed = useShowDisallowed();
  const rooms: readonly string[] = showDisallowed ? [...ROOMS, UNKNOWN_ROOM] : ROOMS;
  // Turning the developer toggle off leaves the unknown room.
  const room = rooms.includes(chosen) ? chosen : ROOMS[0];
  return (
    <div className={superuser ? 'chat with-admin' : 'chat'}>
      <nav className="rooms card" aria-label="Rooms">
        <h2>Rooms</h2>
        <div role="tablist" aria-label="Rooms" className="room-tabs">
          {rooms.map((name) => (
            <button
              key={name}
              type="button"
              role="tab"
              aria-selected={name === room}
              aria-controls="room-panel"
              className={name === UNKNOWN_ROOM ? 'room-tab disallowed' : 'room-tab'}
              title={name === UNKNOWN_ROOM ? 'A room the server does not have: only the server can refuse it' : undefined}
              onClick={() => setRoom(name)}
            >
              {name}
            </button>
          ))}
        </div>
      </nav>
      <div id="room-panel" role="tabpanel" className="room-panel">
        <PermissionNotices />
        {/* A new key per room: its messages, draft and pending sends start fresh. */}
        <Room key={room} room={room} />
      </div>
      <aside className="side">
        <PermissionPanel />
        <DevPanel />
      </aside>
      {superuser && (
        <div className="admin-area">
          <AdminPanel session={session} />
        </div>
      )}
    </div>
  );
}
