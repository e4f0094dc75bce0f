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

// Whether an event can change what an order list shows (status, payment, WMS sync state, a new order).
export function affectsOrderList(type: string): boolean {
  return ['order.', 'payment.', 'wms.', 'reservation.expired', 'job.retried'].some((p) => type.startsWith(p));
}
