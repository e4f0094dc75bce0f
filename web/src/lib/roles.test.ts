import { describe, expect, it } from 'vitest';
import { homeFor, mayOpen, navFor, orderActions, statusLabel } from './roles';
import type { Order, Workflow } from './types';

const DEFAULT: Workflow = {
  version: 1,
  initial: 'pending',
  statuses: [
    { name: 'pending', effect: 'none' }, { name: 'confirmed', effect: 'confirm' }, { name: 'paid', effect: 'pay' },
    { name: 'fulfilling', effect: 'none', actions: ['wms.push'] }, { name: 'shipped', effect: 'ship' },
    { name: 'delivered', effect: 'deliver' }, { name: 'cancelled', effect: 'cancel' }, { name: 'failed', effect: 'fail' },
    { name: 'expired', effect: 'expire' },
  ],
  transitions: [
    ['pending', 'confirmed'], ['pending', 'paid'], ['confirmed', 'paid'], ['paid', 'fulfilling'], ['paid', 'shipped'],
    ['fulfilling', 'shipped'], ['shipped', 'delivered'], ['pending', 'cancelled'], ['confirmed', 'cancelled'],
    ['paid', 'cancelled'], ['pending', 'failed'], ['confirmed', 'failed'], ['pending', 'expired'], ['confirmed', 'expired'],
  ],
};

function order(status: string, payment = 'none', captured = '0.00', refunded = '0.00'): Order {
  return {
    id: 'ord_1', external_id: null, channel: null, customer_id: 'c1', status, currency: 'EUR', lines: [], total: '10.00',
    shipping_address: { name: 'a', line1: 'b', city: 'c', country: 'DE' }, allocations: [],
    payment: { status: payment, id: null, authorized: '0.00', captured, refunded }, carrier: null, tracking: null,
    cancel_reason: null, organization_id: null, wms: { state: 'none', order_id: null, status: null },
    reservation_expires_at: '', created_at: '', updated_at: '', version: 1,
  };
}
const kinds = (xs: { kind: string; to?: string }[]) => xs.map((x) => (x.kind === 'status' ? `status:${x.to}` : x.kind));

describe('navigation by role', () => {
  it('offers each role only its pages', () => {
    expect(navFor('customer').map((n) => n.path)).toEqual(['/shop', '/orders']);
    expect(navFor('seller').map((n) => n.path)).toEqual(['/orders', '/inventory']);
    expect(navFor('admin').map((n) => n.path)).toContain('/jobs');
    expect(mayOpen('customer', '/inventory')).toBe(false);
    expect(mayOpen('customer', '/orders/ord_1')).toBe(true);
    expect(mayOpen('seller', '/jobs')).toBe(false);
    expect(mayOpen('seller', '/settings')).toBe(false);
    expect(mayOpen('admin', '/chaos')).toBe(true);
    expect(homeFor('customer')).toBe('/shop');
    expect(homeFor('seller')).toBe('/orders');
  });
});

describe('orderActions', () => {
  it('a customer may pay and cancel a pending order, never confirm or ship', () => {
    expect(kinds(orderActions('customer', order('pending'), DEFAULT))).toEqual(['pay', 'cancel']);
  });
  it('a seller may confirm and cancel a pending order, never pay', () => {
    expect(kinds(orderActions('seller', order('pending'), DEFAULT))).toEqual(['confirm', 'cancel']);
  });
  it('a paid order: the seller ships or moves it to fulfilling; the customer may only cancel', () => {
    const paid = order('paid', 'captured', '10.00');
    expect(kinds(orderActions('seller', paid, DEFAULT))).toEqual(['ship', 'status:fulfilling', 'cancel', 'refund']);
    expect(kinds(orderActions('customer', paid, DEFAULT))).toEqual(['cancel']);
  });
  it('no pay button while a charge is in flight', () => {
    expect(kinds(orderActions('admin', order('pending', 'pending'), DEFAULT))).toEqual(['confirm', 'cancel']);
  });
  it('pay again after a decline while the workflow still allows it', () => {
    expect(kinds(orderActions('customer', order('confirmed', 'declined'), DEFAULT))).toEqual(['pay', 'cancel']);
  });
  it('nothing for a terminal status, and nothing without a workflow', () => {
    expect(orderActions('admin', order('delivered', 'captured', '10.00', '10.00'), DEFAULT)).toEqual([]);
    expect(orderActions('admin', order('pending'), null)).toEqual([]);
  });
  it('follows an edited workflow: a removed edge loses its button, a new status gets one', () => {
    const edited: Workflow = {
      ...DEFAULT,
      statuses: [...DEFAULT.statuses, { name: 'on_hold', label: 'On hold', effect: 'none' }],
      transitions: [...DEFAULT.transitions.filter(([f, t]) => !(f === 'pending' && t === 'cancelled')), ['pending', 'on_hold']],
    };
    expect(kinds(orderActions('customer', order('pending'), edited))).toEqual(['pay']);
    const seller = orderActions('seller', order('pending'), edited);
    expect(kinds(seller)).toEqual(['confirm', 'status:on_hold']);
    expect(seller[1].label).toBe('Move to On hold');
  });
  it('statuses whose effect cannot be set directly get no button', () => {
    const wf: Workflow = { ...DEFAULT, transitions: [...DEFAULT.transitions, ['fulfilling', 'failed']] };
    expect(kinds(orderActions('admin', order('fulfilling', 'captured', '10.00'), wf))).toEqual(['ship', 'refund']);
  });
});

describe('statusLabel', () => {
  it('uses the label when there is one', () => {
    const wf: Workflow = { ...DEFAULT, statuses: DEFAULT.statuses.map((s) => (s.name === 'confirmed' ? { ...s, label: 'Accepted' } : s)) };
    expect(statusLabel(wf, 'confirmed')).toBe('Accepted');
    expect(statusLabel(wf, 'pending')).toBe('pending');
    expect(statusLabel(null, 'x')).toBe('x');
  });
});
