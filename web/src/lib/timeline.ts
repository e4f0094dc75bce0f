import type { OrderEvent } from './types';

// Adds events to a timeline kept in seq order, each seq once (a resumed stream may repeat none,
// but a reload and a stream may overlap).
export function mergeEvents(current: OrderEvent[], incoming: OrderEvent[]): OrderEvent[] {
  if (incoming.length === 0) return current;
  const seen = new Set(current.map((e) => e.seq));
  const fresh = incoming.filter((e) => !seen.has(e.seq));
  if (fresh.length === 0) return current;
  const next = current.concat(fresh);
  next.sort((a, b) => a.seq - b.seq);
  return next;
}
