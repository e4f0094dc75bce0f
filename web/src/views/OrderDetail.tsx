import { useCallback, useEffect, useRef, useState, type FormEvent } from 'react';
import { Link, useParams } from 'react-router';
import { ApiError, api, fieldErrors, getToken, query } from '../lib/api';
import { openStream, type StreamState } from '../lib/sse';
import { can, orderActions, type OrderAction } from '../lib/roles';
import { cardToken, countdown, money, time } from '../lib/format';
import { mergeEvents } from '../lib/timeline';
import type { Job, Order, OrderEvent, Page, Reservation } from '../lib/types';
import { useSession } from '../session';
import { ErrorBanner, Field, LiveDot, Panel, StatusBadge, useNow, WmsBadge } from '../components/ui';
import { Timeline } from '../components/Timeline';

export function OrderDetailView() {
  const { id = '' } = useParams();
  const { role, workflow } = useSession();
  const [order, setOrder] = useState<Order | null>(null);
  const [missing, setMissing] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [events, setEvents] = useState<OrderEvent[]>([]);
  const [live, setLive] = useState<StreamState>('connecting');
  const [reservations, setReservations] = useState<Reservation[] | null>(null);
  const [jobs, setJobs] = useState<Job[] | null>(null);
  const [open, setOpen] = useState<OrderAction | null>(null);
  const now = useNow(1000);

  const reload = useCallback(async () => {
    try {
      const o = await api.get<Order>(`/v1/orders/${encodeURIComponent(id)}`);
      setOrder(o);
      setMissing(false);
      if (role && can.viewReservations(role))
        setReservations((await api.get<{ items: Reservation[] }>(`/v1/reservations${query({ order_id: id })}`)).items);
      if (role && can.viewJobs(role))
        setJobs((await api.get<Page<Job>>(`/v1/jobs${query({ order_id: id, limit: 50 })}`)).items);
    } catch (e) {
      if (e instanceof ApiError && (e.status === 404 || e.status === 403)) setMissing(true);
      else setError(e);
    }
  }, [id, role]);

  useEffect(() => {
    setOrder(null);
    setEvents([]);
    void reload();
  }, [reload]);

  // The live timeline: the stream replays the order's events, then sends each new one; each new
  // event also refreshes the order (at most every 300 ms).
  const refresh = useRef<ReturnType<typeof setTimeout> | null>(null);
  useEffect(() => {
    const close = openStream({
      url: `/v1/orders/${encodeURIComponent(id)}/stream`,
      token: getToken,
      onState: setLive,
      onMessage: (m) => {
        let e: OrderEvent;
        try { e = JSON.parse(m.data) as OrderEvent; } catch { return; }
        setEvents((cur) => mergeEvents(cur, [e]));
        if (!refresh.current) refresh.current = setTimeout(() => { refresh.current = null; void reload(); }, 300);
      },
    });
    return () => { close(); if (refresh.current) clearTimeout(refresh.current); refresh.current = null; };
  }, [id, reload]);

  if (missing) {
    return (
      <div className="view">
        <div className="panel empty" data-testid="order-not-found">
          <h1>Order not found</h1>
          <p>There is no order {id} that you can see.</p>
          <Link to="/orders">Back to the orders</Link>
        </div>
      </div>
    );
  }
  if (!order) return <div className="view"><ErrorBanner error={error} /><p className="muted">Loading…</p></div>;

  const actions = role ? orderActions(role, order, workflow) : [];
  const pendingReservations = reservations?.filter((r) => r.state === 'pending') ?? [];
  const holds = pendingReservations.length > 0 ? !heldUntilShipped(order) : reservations === null && isHolding(order);
  const left = countdown(pendingReservations[0]?.expires_at ?? order.reservation_expires_at, now);

  return (
    <div className="view order-detail" data-testid="order-detail" data-order-id={order.id} data-status={order.status}>
      <div className="view-head">
        <h1>Order <code>{order.id}</code></h1>
        <StatusBadge status={order.status} workflow={workflow} />
        <LiveDot state={live} />
      </div>
      <ErrorBanner error={error} />
      <div className="actions" data-testid="order-actions">
        {actions.map((a) => (
          <button key={a.kind + (a.to ?? '')} className={a.kind === 'cancel' ? 'danger' : 'primary'} onClick={() => setOpen(a)} data-action={a.kind}>
            {a.label}
          </button>
        ))}
        {actions.length === 0 ? <span className="muted">No action available to you in this status.</span> : null}
      </div>
      {open ? <ActionForm order={order} action={open} onDone={() => { setOpen(null); void reload(); }} onClose={() => setOpen(null)} /> : null}

      <div className="grid two">
        <div>
          <Panel title="Lines">
            <table className="table">
              <thead><tr><th>SKU</th><th>Product</th><th className="num">Qty</th><th className="num">Unit</th><th className="num">Total</th></tr></thead>
              <tbody>
                {order.lines.map((l) => (
                  <tr key={l.sku}><td>{l.sku}</td><td>{l.name}</td><td className="num">{l.quantity}</td><td className="num">{l.unit_price}</td><td className="num">{l.total}</td></tr>
                ))}
                <tr className="total"><td colSpan={4}>Total</td><td className="num">{money(order.total, order.currency)}</td></tr>
              </tbody>
            </table>
          </Panel>
          <Panel title="Allocation">
            <table className="table">
              <thead><tr><th>Location</th><th className="num">Distance</th><th>Lines</th></tr></thead>
              <tbody>
                {order.allocations.map((a) => (
                  <tr key={a.location_id}><td>{a.location_id}</td><td className="num">{a.distance_km.toFixed(1)} km</td><td>{a.lines.map((l) => `${l.quantity} × ${l.sku}`).join(', ')}</td></tr>
                ))}
              </tbody>
            </table>
            <p className="muted">Ship to {order.shipping_address.name}, {order.shipping_address.line1}, {order.shipping_address.postal_code ?? ''} {order.shipping_address.city}, {order.shipping_address.country}</p>
          </Panel>
          <Panel title="Reservations" testId="reservations">
            {holds ? (
              <p className={`countdown${left.seconds < 300 ? ' soon' : ''}`} data-testid="countdown">
                Stock held for <strong>{left.text}</strong> {left.expired ? '' : `(until ${time(pendingReservations[0]?.expires_at ?? order.reservation_expires_at)})`}
              </p>
            ) : heldUntilShipped(order)
              ? <p className="muted" data-testid="held-until-shipped">Paid: the stock stays reserved until the order ships (paid orders do not expire).</p>
              : <p className="muted">No stock is held for this order now.</p>}
            {reservations ? (
              <table className="table">
                <thead><tr><th>SKU</th><th>Location</th><th className="num">Qty</th><th>State</th><th>Expires</th></tr></thead>
                <tbody>
                  {reservations.map((r) => (
                    <tr key={r.id}><td>{r.sku}</td><td>{r.location_id}</td><td className="num">{r.quantity}</td><td><span className={`badge res-${r.state}`}>{r.state}</span></td>
                      <td>{r.state === 'pending' ? countdown(r.expires_at, now).text : time(r.resolved_at)}</td></tr>
                  ))}
                </tbody>
              </table>
            ) : null}
          </Panel>
          <div className="grid two">
            <Panel title="Payment" testId="payment">
              <dl className="kv">
                <dt>Status</dt><dd><span className={`badge pay-${order.payment.status}`} data-testid="payment-status">{order.payment.status}</span></dd>
                <dt>Captured</dt><dd>{money(order.payment.captured, order.currency)}</dd>
                <dt>Refunded</dt><dd>{money(order.payment.refunded, order.currency)}</dd>
                {order.payment.id ? <><dt>Gateway id</dt><dd><code>{order.payment.id}</code></dd></> : null}
              </dl>
            </Panel>
            <Panel title="Shipment">
              <dl className="kv">
                <dt>Carrier</dt><dd>{order.carrier ?? '—'}</dd>
                <dt>Tracking</dt><dd>{order.tracking ?? '—'}</dd>
                <dt>WMS</dt><dd><WmsBadge state={order.wms.state} /> {order.wms.status ?? ''}</dd>
                {order.wms.order_id ? <><dt>WMS id</dt><dd><code>{order.wms.order_id}</code></dd></> : null}
                {order.cancel_reason ? <><dt>Cancelled</dt><dd>{order.cancel_reason}</dd></> : null}
              </dl>
            </Panel>
          </div>
          {jobs ? <OrderJobs jobs={jobs} onChange={reload} /> : null}
        </div>
        <Panel title={<>Timeline <span className="muted small">{events.length} events</span></>}>
          <Timeline events={events} />
        </Panel>
      </div>
    </div>
  );
}

function heldUntilShipped(o: Order): boolean {
  return ['captured', 'external'].includes(o.payment.status) && !['shipped', 'delivered', 'cancelled', 'failed', 'expired'].includes(o.status);
}

function isHolding(o: Order): boolean {
  return ['pending', 'confirmed', 'paid', 'fulfilling'].includes(o.status) && o.payment.status !== 'captured';
}

function OrderJobs({ jobs, onChange }: { jobs: Job[]; onChange: () => void }) {
  const [error, setError] = useState<unknown>(null);
  if (jobs.length === 0) return null;
  return (
    <Panel title="Jobs">
      <ErrorBanner error={error} />
      <table className="table">
        <thead><tr><th>Kind</th><th>Step</th><th>State</th><th className="num">Attempts</th><th>Last error</th><th /></tr></thead>
        <tbody>
          {jobs.map((j) => (
            <tr key={j.id}><td>{j.kind}</td><td>{j.step}</td><td><span className={`badge job-${j.state}`}>{j.state}</span></td><td className="num">{j.attempts}/{j.max_attempts}</td>
              <td className="error-text">{j.last_error ?? ''}</td>
              <td>{j.state === 'dead' ? <button onClick={async () => { try { await api.post(`/v1/jobs/${j.id}/retry`); onChange(); } catch (e) { setError(e); } }}>Retry</button> : null}</td></tr>
          ))}
        </tbody>
      </table>
    </Panel>
  );
}

// The form behind an action button: a card for pay, carrier and tracking for ship, a reason for
// cancel, an amount for refund; confirm, deliver and status moves only ask to be sure.
function ActionForm({ order, action, onDone, onClose }: { order: Order; action: OrderAction; onDone: () => void; onClose: () => void }) {
  const [values, setValues] = useState<Record<string, string>>({ card: '4242 4242 4242 4242', expiry: '12/30', cvc: '123', carrier: 'DHL', tracking: '', reason: '', amount: '' });
  const [error, setError] = useState<unknown>(null);
  const [localErrors, setLocalErrors] = useState<Record<string, string>>({});
  const [busy, setBusy] = useState(false);
  const set = (k: string) => (e: { target: { value: string } }) => setValues({ ...values, [k]: e.target.value });
  const errs = { ...fieldErrors(error).byPointer, ...localErrors };

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setError(null);
    setLocalErrors({});
    const path = `/v1/orders/${encodeURIComponent(order.id)}`;
    setBusy(true);
    try {
      switch (action.kind) {
        case 'pay': {
          const token = cardToken(values.card);
          if (!token) { setLocalErrors({ card: 'not a valid card number' }); return; }
          await api.post(`${path}/pay`, { payment_method: { token } });
          break;
        }
        case 'ship': {
          const body: Record<string, string> = {};
          if (values.carrier) body.carrier = values.carrier;
          if (values.tracking) body.tracking = values.tracking;
          await api.post(`${path}/ship`, body);
          break;
        }
        case 'cancel': await api.post(`${path}/cancel`, values.reason ? { reason: values.reason } : {}); break;
        case 'refund': await api.post(`${path}/refund`, values.amount ? { amount: values.amount, reason: values.reason || undefined } : {}); break;
        case 'confirm': await api.post(`${path}/confirm`); break;
        case 'deliver': await api.post(`${path}/deliver`); break;
        case 'status': await api.patch(`${path}/status`, { status: action.to }); break;
      }
      onDone();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  return (
    <form className="panel action-form" onSubmit={submit} data-testid={`form-${action.kind}`}>
      <h2>{action.label}</h2>
      <ErrorBanner error={error} />
      {action.kind === 'pay' ? (
        <div className="card-form">
          <p className="muted">Test cards: 4242 4242 4242 4242 is accepted, 4000 0000 0000 0002 is declined.</p>
          <Field label="Card number" error={errs.card ?? errs['/payment_method/token']}><input name="card" inputMode="numeric" value={values.card} onChange={set('card')} /></Field>
          <div className="row">
            <Field label="Expiry"><input name="expiry" value={values.expiry} onChange={set('expiry')} /></Field>
            <Field label="CVC"><input name="cvc" value={values.cvc} onChange={set('cvc')} /></Field>
          </div>
          <p>Amount: <strong>{money(order.total, order.currency)}</strong></p>
        </div>
      ) : null}
      {action.kind === 'ship' ? (
        <div className="row">
          <Field label="Carrier" error={errs['/carrier']}><input name="carrier" value={values.carrier} onChange={set('carrier')} /></Field>
          <Field label="Tracking" error={errs['/tracking']}><input name="tracking" value={values.tracking} onChange={set('tracking')} /></Field>
        </div>
      ) : null}
      {action.kind === 'cancel' || action.kind === 'refund' ? (
        <Field label="Reason" error={errs['/reason']}><input name="reason" value={values.reason} onChange={set('reason')} /></Field>
      ) : null}
      {action.kind === 'refund' ? (
        <Field label={`Amount (${order.currency}); empty: everything refundable`} error={errs['/amount']}><input name="amount" value={values.amount} onChange={set('amount')} placeholder={order.payment.captured} /></Field>
      ) : null}
      <div className="row">
        <button type="submit" className="primary" disabled={busy}>{busy ? 'Working…' : action.kind === 'pay' ? `Pay ${order.total} ${order.currency}` : action.label}</button>
        <button type="button" onClick={onClose}>Close</button>
      </div>
    </form>
  );
}
