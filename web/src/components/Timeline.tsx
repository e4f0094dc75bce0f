import type { OrderEvent } from '../lib/types';
import { clockTime, describeEvent, eventTone } from '../lib/format';

// The order's events as a vertical timeline of circles joined by a line (seed 000's "visual timeline").
export function Timeline({ events }: { events: OrderEvent[] }) {
  if (events.length === 0) return <p className="muted">No events yet.</p>;
  return (
    <ol className="timeline" data-testid="timeline">
      {events.map((e, i) => (
        <li key={e.seq} className={`tl-item tone-${eventTone(e.type)}${i === events.length - 1 ? ' last' : ''}`} data-event-type={e.type} data-seq={e.seq}>
          <span className="tl-dot" aria-hidden="true" />
          <div className="tl-body">
            <div className="tl-head">
              <span className="tl-type">{e.type}</span>
              <time className="tl-time" dateTime={e.time} title={e.time}>{clockTime(e.time)}</time>
            </div>
            <div className="tl-text">{describeEvent(e.type, e.data)}</div>
          </div>
        </li>
      ))}
    </ol>
  );
}

