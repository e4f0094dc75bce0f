// The shapes of the API's answers that the dashboard reads (src/http/openapi.json is the contract).

export type Role = 'admin' | 'seller' | 'customer';

export interface Principal {
  id: string;
  role: Role | 'integration';
  subject?: string;
  customer_id?: string;
  locations?: string[];
  scopes?: string[];
  expires_at?: string;
}

export interface OrderLine { sku: string; name: string; quantity: number; unit_price: string; total: string }
export interface Allocation { location_id: string; distance_km: number; lines: { sku: string; quantity: number }[] }
export interface Payment {
  status: string;
  id: string | null;
  authorized: string;
  captured: string;
  refunded: string;
}
export const WMS_STATES = ['none', 'queued', 'retrying', 'acknowledged', 'failed'] as const;
export type WmsState = typeof WMS_STATES[number];
export interface OrderWms { state: WmsState; order_id: string | null; status: string | null }
export interface Address {
  name: string; line1: string; line2?: string | null; city: string; region?: string | null;
  postal_code?: string | null; country: string; phone?: string | null; lat?: number; lng?: number;
}

export interface Order {
  id: string;
  external_id: string | null;
  channel: string | null;
  customer_id: string | null;
  status: string;
  currency: string;
  lines: OrderLine[];
  total: string;
  shipping_address: Address;
  allocations: Allocation[];
  payment: Payment;
  carrier: string | null;
  tracking: string | null;
  cancel_reason: string | null;
  organization_id: string | null;
  wms: OrderWms;
  reservation_expires_at: string;
  created_at: string;
  updated_at: string;
  version: number;
}

export interface Page<T> { items: T[]; next_cursor: string | null }

export interface OrderEvent {
  id: string;
  seq: number;
  type: string;
  order_id: string | null;
  time: string;
  correlation_id: string;
  causation_id: string;
  data: Record<string, unknown>;
}

export type Effect = 'none' | 'confirm' | 'pay' | 'ship' | 'deliver' | 'cancel' | 'fail' | 'expire';
export interface WorkflowStatus { name: string; label?: string; effect?: Effect; actions?: string[] }
export interface Workflow {
  version: number;
  initial: string;
  statuses: WorkflowStatus[];
  transitions: [string, string][];
}

export interface Branding {
  shop_name: string;
  logo_url: string | null;
  colors: { primary?: string; accent?: string; background?: string; text?: string };
  version: number;
}

export interface Product {
  sku: string; name: string; price: string; currency: string; hs_code: string;
  attributes: Record<string, unknown>; updated_at: string;
}
export interface Location { id: string; name: string; kind: 'warehouse' | 'store'; lat: number; lng: number; active: boolean; updated_at: string }
export interface StockLevel { location_id: string; sku: string; on_hand: number; reserved: number; available: number; version: number }
export interface Reservation {
  id: string; order_id: string; location_id: string; sku: string; quantity: number;
  state: 'pending' | 'committed' | 'released' | 'expired'; created_at: string; expires_at: string; resolved_at: string | null;
}

export interface Job {
  id: string; kind: string; order_id: string | null; step: string; idempotency_key: string;
  state: 'queued' | 'running' | 'done' | 'dead'; attempts: number; max_attempts: number; run_at: string;
  lease_until: string | null; owner: string | null; payload: Record<string, unknown>; last_error: string | null;
  created_at: string; updated_at: string;
}
export interface JobAttempt { [key: string]: unknown }
export interface JobDetail extends Job { attempt_log: JobAttempt[] }
export interface JobCounts { queued: number; running: number; done: number; dead: number }
export interface JobStats { totals: JobCounts; by_kind: Record<string, JobCounts>; breakers: Record<string, 'closed' | 'open' | 'half_open'> }

export interface Discrepancy {
  kind: string; order_id: string; ordo_status: string | null; other_status: string | null;
  action: string; result: string; detail: string;
}
export interface ReconciliationReport {
  id: string;
  trigger: 'timer' | 'manual';
  requested_by: string | null;
  started_at: string;
  finished_at: string;
  duration_ms: number;
  sources: Record<string, string>;
  counts: {
    ordo_orders: number; wms_orders: number; erp_orders: number; matched: number; settling: number;
    discrepancies: number; healed: number; flagged: number;
  };
  by_kind: Record<string, number>;
  discrepancies?: Discrepancy[];
}

export type ChaosKnobs = Record<string, number | boolean | string>;
