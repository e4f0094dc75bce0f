import { useCallback, useEffect, useRef, useState, type FormEvent } from 'react';
import { Link, useSearchParams } from 'react-router';
import { ApiError, api, getToken, query } from '../lib/api';
import { openStream, type StreamState } from '../lib/sse';
import { can } from '../lib/roles';
import { money, shortId, time } from '../lib/format';
import { affectsOrderList } from '../lib/timeline';
import { WMS_STATES, type Order, type Page } from '../lib/types';
import { useSession } from '../session';
import { ErrorBanner, LiveDot, Panel, StatusBadge, WmsBadge } from '../components/ui';

const PAGE = 50;

type SearchKind = 'id' | 'external' | 'customer';

export function OrdersView() {
  const { role, workflow } = useSession();
  const [params, setParams] = useSearchParams();
  const status = params.get('status') ?? '';
  const customer = params.get('customer') ?? '';
  const external = params.get('external_id') ?? '';
  const wms = params.get('wms_state') ?? '';
  const [cursors, setCursors] = useState<(string | null)[]>([null]);  // the cursor of each page seen
  const cursor = cursors[cursors.length - 1];
  const [page, setPage] = useState<Page<Order> | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [live, setLive] = useState<StreamState>('connecting');
  const [searchKind, setSearchKind] = useState<SearchKind>('id');
  const [searchText, setSearchText] = useState('');
  const [found, setFound] = useState<{ items: Order[]; note: string } | null>(null);
  const [loadedAt, setLoadedAt] = useState<number>(0);

  const load = useCallback(async (signal?: AbortSignal) => {
    try {
      const p = await api.get<Page<Order>>(
        `/v1/orders${query({ status, customer_id: customer, external_id: external, wms_state: wms, limit: PAGE, cursor })}`, signal);
      setPage(p);
      setError(null);
      setLoadedAt(Date.now());
    } catch (e) {
      if ((e as Error).name !== 'AbortError') setError(e);
    }
  }, [status, customer, external, wms, cursor]);

  useEffect(() => {
    const c = new AbortController();
    void load(c.signal);
    return () => c.abort();
  }, [load]);

  // Live: the event stream (an admin's holds every event; a seller's or a customer's, the events of
  // their own orders); a burst of events reloads the page at most once a second.
  const pending = useRef<ReturnType<typeof setTimeout> | null>(null);
  useEffect(() => {
    if (!role) return;
    const close = openStream({
      url: '/v1/events/stream',
      token: getToken,
      onState: (s) => setLive(s),
      onMessage: (m) => {
        if (!affectsOrderList(m.event)) return;
        if (pending.current) return;
        pending.current = setTimeout(() => { pending.current = null; void load(); }, 1000);
      },
    });
    return () => { close(); if (pending.current) clearTimeout(pending.current); pending.current = null; };
  }, [role, load]);

  const setFilter = (key: string, value: string) => {
    const next = new URLSearchParams(params);
    if (value) next.set(key, value); else next.delete(key);
    setParams(next);
    setCursors([null]);
  };

  const search = async (e: FormEvent) => {
    e.preventDefault();
    const text = searchText.trim();
    setFound(null);
    if (!text) return;
    if (searchKind === 'customer') { setFilter('customer', text); return; }
    if (searchKind === 'external') { setFilter('external_id', text); return; }
    try {
      const o = await api.get<Order>(`/v1/orders/${encodeURIComponent(text)}`);
      setFound({ items: [o], note: '' });
    } catch (err) {
      if (err instanceof ApiError && err.status === 404) setFound({ items: [], note: 'no order with that id' });
      else setError(err);
    }
  };

  const rows = found ? found.items : page?.items ?? [];
  return (
    <div className="view">
      <div className="view-head">
        <h1>{role === 'customer' ? 'My orders' : 'Orders'}</h1>
        <LiveDot state={live} />
      </div>
      <Panel title="Filter" testId="order-filters">
        <div className="toolbar">
          <label className="inline">Status
            <select name="status" value={status} onChange={(e) => setFilter('status', e.target.value)}>
              <option value="">all</option>
              {(workflow?.statuses ?? []).map((s) => <option key={s.name} value={s.name}>{s.label || s.name}</option>)}
            </select>
          </label>
          <label className="inline">WMS
            <select name="wms_state" value={wms} onChange={(e) => setFilter('wms_state', e.target.value)}>
              <option value="">all</option>
              {WMS_STATES.map((w) => <option key={w} value={w}>{w}</option>)}
            </select>
          </label>
          <FilterChip label="customer" value={customer} onClear={() => setFilter('customer', '')} />
          <FilterChip label="external id" value={external} onClear={() => setFilter('external_id', '')} testId="external-chip" />
          <form className="search" onSubmit={search}>
            <select aria-label="Search by" value={searchKind} onChange={(e) => setSearchKind(e.target.value as SearchKind)}>
              <option value="id">Order id</option>
              <option value="external">External id</option>
              {role && can.filterByCustomer(role) ? <option value="customer">Customer id</option> : null}
            </select>
            <input name="search" placeholder="ord_…" value={searchText} onChange={(e) => setSearchText(e.target.value)} />
            <button type="submit">Search</button>
            {found ? <button type="button" className="link" onClick={() => { setFound(null); setSearchText(''); }}>clear</button> : null}
          </form>
        </div>
        {found?.note ? <p className="muted">{found.note}</p> : null}
      </Panel>
      <ErrorBanner error={error} />
      <div className="panel">
        <table className="table orders" data-testid="orders-table" data-loaded-at={loadedAt}>
          <thead>
            <tr><th>Order</th><th>Placed</th>{role !== 'customer' ? <th>Customer</th> : null}<th>External id</th><th>Status</th><th>Total</th><th>Payment</th><th>WMS</th><th>From</th></tr>
          </thead>
          <tbody>
            {rows.map((o) => (
              <tr key={o.id} data-order-id={o.id}>
                <td><Link to={`/orders/${o.id}`} title={o.id}>{shortId(o.id)}</Link></td>
                <td>{time(o.created_at)}</td>
                {role !== 'customer' ? <td>{o.customer_id ? <button className="link" onClick={() => setFilter('customer', o.customer_id!)}>{o.customer_id}</button> : '—'}</td> : null}
                <td>{o.external_id ?? '—'}{o.channel ? <span className="muted"> · {o.channel}</span> : null}</td>
                <td><StatusBadge status={o.status} workflow={workflow} /></td>
                <td className="num">{money(o.total, o.currency)}</td>
                <td><span className={`badge pay-${o.payment.status}`}>{o.payment.status}</span></td>
                <td><WmsBadge state={o.wms.state} /></td>
                <td>{o.allocations.map((a) => a.location_id).join(', ') || '—'}</td>
              </tr>
            ))}
            {rows.length === 0 ? <tr><td colSpan={9} className="empty">{page || found ? 'No orders.' : 'Loading…'}</td></tr> : null}
          </tbody>
        </table>
        {!found ? (
          <div className="pager">
            <button disabled={cursors.length <= 1} onClick={() => setCursors(cursors.slice(0, -1))}>← Newer</button>
            <span className="muted">page {cursors.length}</span>
            <button disabled={!page?.next_cursor} onClick={() => page?.next_cursor && setCursors([...cursors, page.next_cursor])}>Older →</button>
          </div>
        ) : null}
      </div>
    </div>
  );
}

// A filter that is set, with a button that clears it.
function FilterChip({ label, value, onClear, testId }: { label: string; value: string; onClear: () => void; testId?: string }) {
  if (!value) return null;
  return <span className="chip" data-testid={testId}>{label}: {value} <button className="link" onClick={onClear}>×</button></span>;
}
