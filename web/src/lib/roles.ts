// What each role may see and do: the same matrix as src/http/access.cpp (docs/AUTHORIZATION.md),
// combined with the workflow in force (GET /v1/config/workflow) and the order's state. The server
// enforces all of it again; this only keeps buttons the caller cannot use off the screen.
import type { Order, Role, Workflow, WorkflowStatus } from './types';

export interface NavItem { path: string; label: string }

const NAV: Record<Role, NavItem[]> = {
  customer: [
    { path: '/shop', label: 'Shop' },
    { path: '/orders', label: 'My orders' },
  ],
  seller: [
    { path: '/orders', label: 'Orders' },
    { path: '/inventory', label: 'Inventory' },
  ],
  admin: [
    { path: '/orders', label: 'Orders' },
    { path: '/inventory', label: 'Inventory' },
    { path: '/jobs', label: 'Failed jobs' },
    { path: '/reconciliation', label: 'Reconciliation' },
    { path: '/system', label: 'System' },
    { path: '/settings', label: 'Workflow & branding' },
    { path: '/chaos', label: 'Chaos' },
  ],
};

export function navFor(role: Role): NavItem[] { return NAV[role]; }

// The first page of each role.
export function homeFor(role: Role): string { return role === 'customer' ? '/shop' : '/orders'; }

// Whether a role may open a page at all (a path the nav does not offer it is refused in the UI).
export function mayOpen(role: Role, path: string): boolean {
  const top = '/' + (path.split('/')[1] ?? '');
  return NAV[role].some((n) => n.path === top);
}

// What the server lets each role call (access.cpp), by capability.
export const can = {
  placeOrder: (r: Role) => r === 'customer' || r === 'admin',
  pay: (r: Role) => r === 'customer' || r === 'admin',
  confirm: (r: Role) => r === 'seller' || r === 'admin',
  ship: (r: Role) => r === 'seller' || r === 'admin',
  deliver: (r: Role) => r === 'seller' || r === 'admin',
  cancel: (_r: Role) => true,
  refund: (r: Role) => r === 'seller' || r === 'admin',
  setStatus: (r: Role) => r === 'seller' || r === 'admin',
  editStock: (r: Role) => r === 'seller' || r === 'admin',
  viewStock: (r: Role) => r === 'seller' || r === 'admin',
  viewReservations: (r: Role) => r === 'seller' || r === 'admin',
  viewJobs: (r: Role) => r === 'admin',
  editConfig: (r: Role) => r === 'admin',
  filterByCustomer: (r: Role) => r !== 'customer',
};

export type ActionKind = 'confirm' | 'pay' | 'ship' | 'deliver' | 'cancel' | 'refund' | 'status';
export interface OrderAction { kind: ActionKind; label: string; to?: string }

export function statusDef(wf: Workflow | null, name: string): WorkflowStatus | undefined {
  return wf?.statuses.find((s) => s.name === name);
}

export function statusLabel(wf: Workflow | null, name: string): string {
  const s = statusDef(wf, name);
  return s?.label ? s.label : name;
}

function allows(wf: Workflow, from: string, to: string): boolean {
  return wf.transitions.some(([f, t]) => f === from && t === to);
}

const SETTABLE = new Set(['none', 'confirm', 'ship', 'deliver', 'cancel']);
const PAYMENT_BLOCKS_PAY = new Set(['pending', 'authorized', 'captured', 'partially_refunded', 'refunded', 'external']);

function minor(amount: string): number {
  const [whole, frac = ''] = amount.split('.');
  const sign = whole.startsWith('-') ? -1 : 1;
  return sign * (Math.abs(parseInt(whole, 10) || 0) * 100 + parseInt((frac + '00').slice(0, 2), 10));
}

// The buttons an order gets for this role under this workflow. The verbs move into the statuses
// of the same name (confirm → confirmed, …: src/domain/order/lifecycle.cpp); every other successor
// whose effect may be set directly is a "status" action (PATCH /v1/orders/{id}/status).
export function orderActions(role: Role, order: Order, wf: Workflow | null): OrderAction[] {
  if (!wf) return [];
  const out: OrderAction[] = [];
  const from = order.status;
  const verb = (kind: ActionKind, to: string, fallback: string) => {
    if (allows(wf, from, to)) out.push({ kind, label: statusActionLabel(wf, to, fallback), to });
  };
  if (can.confirm(role)) verb('confirm', 'confirmed', 'Confirm');
  if (can.pay(role) && allows(wf, from, 'paid') && !PAYMENT_BLOCKS_PAY.has(order.payment.status))
    out.push({ kind: 'pay', label: 'Pay', to: 'paid' });
  if (can.ship(role)) verb('ship', 'shipped', 'Ship');
  if (can.deliver(role)) verb('deliver', 'delivered', 'Mark delivered');
  if (can.setStatus(role)) {
    const verbs = new Set(['confirmed', 'shipped', 'delivered', 'cancelled', 'paid']);
    for (const [f, t] of wf.transitions) {
      if (f !== from || verbs.has(t)) continue;
      const def = statusDef(wf, t);
      if (!def || !SETTABLE.has(def.effect ?? 'none')) continue;
      out.push({ kind: 'status', label: `Move to ${def.label || def.name}`, to: t });
    }
  }
  if (can.cancel(role)) verb('cancel', 'cancelled', 'Cancel order');
  if (can.refund(role) && minor(order.payment.captured) > minor(order.payment.refunded))
    out.push({ kind: 'refund', label: 'Refund' });
  return out;
}

function statusActionLabel(wf: Workflow, to: string, fallback: string): string {
  const def = statusDef(wf, to);
  // A renamed status shows its label: "Confirm (Accepted)".
  return def?.label && def.label.toLowerCase() !== to ? `${fallback} (${def.label})` : fallback;
}
