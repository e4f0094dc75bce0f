// Small pure helpers for what the views print.

// "29:59", "1:02:03", "expired" — the time left until `expiresAt` at `now` (ms since epoch).
export function countdown(expiresAt: string | number, now: number): { text: string; expired: boolean; seconds: number } {
  const end = typeof expiresAt === 'number' ? expiresAt : Date.parse(expiresAt);
  if (Number.isNaN(end)) return { text: '—', expired: false, seconds: 0 };
  const seconds = Math.floor((end - now) / 1000);
  if (seconds <= 0) return { text: 'expired', expired: true, seconds: 0 };
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = seconds % 60;
  const mm = h > 0 ? String(m).padStart(2, '0') : String(m);
  const text = `${h > 0 ? `${h}:` : ''}${mm}:${String(s).padStart(2, '0')}`;
  return { text, expired: false, seconds };
}

export function money(amount: string | null | undefined, currency?: string): string {
  if (amount === null || amount === undefined) return '—';
  return currency ? `${amount} ${currency}` : amount;
}

export function time(iso: string | null | undefined): string {
  if (!iso) return '—';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return d.toLocaleString(undefined, { dateStyle: 'short', timeStyle: 'medium' });
}

export function clockTime(iso: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return d.toLocaleTimeString(undefined, { hour12: false }) + '.' + String(d.getMilliseconds()).padStart(3, '0');
}

export function shortId(id: string): string {
  return id.length > 14 ? `${id.slice(0, 8)}…${id.slice(-4)}` : id;
}

// Test cards of the demo gateway (`ordo sim`): the number picks the token it is given.
export function cardToken(cardNumber: string): string | null {
  const digits = cardNumber.replace(/[\s-]/g, '');
  if (!/^\d{12,19}$/.test(digits)) return null;
  if (digits === '4000000000000002') return 'tok_decline';
  if (!luhn(digits)) return null;
  return 'tok_visa';
}

export function luhn(digits: string): boolean {
  let total = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = digits.charCodeAt(digits.length - 1 - i) - 48;
    if (i % 2 === 1) { d *= 2; if (d > 9) d -= 9; }
    total += d;
  }
  return total % 10 === 0;
}

// What a timeline entry says, in one line, from an event's type and data.
export function describeEvent(type: string, data: Record<string, unknown>): string {
  const d = (k: string) => (data[k] === undefined || data[k] === null || data[k] === '' ? '' : String(data[k]));
  switch (type) {
    case 'order.created': return `Placed: ${d('total')} ${d('currency')}`;
    case 'order.status_changed': return `${d('from')} → ${d('to')}${d('actor') ? ` by ${d('actor')}` : ''}`;
    case 'order.paid': return `Paid ${d('amount')}`;
    case 'order.shipped': return `Shipped${d('carrier') ? ` with ${d('carrier')}` : ''}${d('tracking') ? ` (${d('tracking')})` : ''}`;
    case 'order.cancelled': return `Cancelled${d('reason') ? `: ${d('reason')}` : ''}`;
    case 'order.failed': return `Failed${d('reason') ? `: ${d('reason')}` : ''}`;
    case 'reservation.created': return `Reserved ${d('quantity')} × ${d('sku')} at ${d('location_id')}`;
    case 'reservation.committed': case 'reservation.released': case 'reservation.expired':
      return `${d('quantity')} × ${d('sku')} at ${d('location_id')}`;
    case 'payment.requested': return `Charge of ${d('amount')} ${d('currency')} requested`;
    case 'payment.captured': case 'payment.authorized': return `${d('amount')}${d('payment_id') ? ` (${d('payment_id')})` : ''}`;
    case 'payment.declined': return `Declined: ${d('decline_code') || d('message')}`;
    case 'payment.failed': return d('message');
    case 'job.scheduled': return `${d('kind')} ${d('step')}`;
    case 'job.attempt_failed': return `${d('kind')} attempt ${d('attempt')}: ${d('error')}`;
    case 'job.dead': return `${d('kind')} gave up after ${d('attempts')} attempts: ${d('error')}`;
    case 'job.retried': return `${d('kind')} retried by ${d('actor')}`;
    case 'wms.sent': return `Attempt ${d('attempt')} to ${d('warehouse')}`;
    case 'wms.acknowledged': return `WMS order ${d('wms_order_id')}`;
    case 'wms.push_failed': return `Attempt ${d('attempt')}: ${d('error')}`;
    case 'wms.sync_failed': return `Gave up after ${d('attempts')} attempts: ${d('error')}`;
    case 'wms.status_updated': return `WMS: ${d('status')}`;
    case 'wms.callback_ignored': return `Ignored ${d('status')}: ${d('reason')}`;
    case 'refund.requested': return `Refund of ${d('amount')} requested`;
    case 'refund.succeeded': return `Refunded ${d('amount')}`;
    default: return '';
  }
}

// The colour family of an event type on the timeline.
export function eventTone(type: string): 'ok' | 'bad' | 'warn' | 'info' {
  if (/failed|dead|declined|cancelled|expired|void_failed/.test(type)) return 'bad';
  if (/retried|ignored|requested|queued|released/.test(type)) return 'warn';
  if (/paid|captured|shipped|delivered|acknowledged|succeeded|committed|confirmed/.test(type)) return 'ok';
  return 'info';
}
