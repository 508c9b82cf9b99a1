/** The developer panel: the client's events as they happen, and "show disallowed controls". */
import { setShowDisallowed, useShowDisallowed } from './dev-options';
import { eventLogOf, useEventLog } from './event-log';
import { useClient } from './permsocket';

const clock = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit', second: '2-digit', hour12: false });

/** A card with the toggle and the event log; open by default, it is what the demo is for. */
export function DevPanel() {
  const log = eventLogOf(useClient());
  const entries = useEventLog(log);
  const showDisallowed = useShowDisallowed();
  return (
    <details className="card dev" open>
      <summary>
        <h2>Developer</h2>
      </summary>
      <label className="dev-toggle">
        <input type="checkbox" checked={showDisallowed} onChange={(event) => setShowDisallowed(event.target.checked)} />
        Show disallowed controls
      </label>
      <p className="hint">
        {showDisallowed
          ? 'Controls <Can> would hide are shown: the client refuses them without sending. #archive is a room only the server can refuse.'
          : 'Hidden controls stay hidden, as in production.'}
      </p>
      <div className="dev-log-head">
        <h3 id="event-log-title">Client events</h3>
        <button type="button" className="link" onClick={log.clear}>
          Clear
        </button>
      </div>
      <ol className="event-log" aria-labelledby="event-log-title" data-testid="event-log">
        {entries.map((entry) => (
          <li key={entry.id} className={`log-${entry.kind}`} data-kind={entry.kind}>
            <time>{clock.format(entry.at)}</time> <strong>{entry.kind}</strong> <span>{entry.text}</span>
          </li>
        ))}
      </ol>
    </details>
  );
}
