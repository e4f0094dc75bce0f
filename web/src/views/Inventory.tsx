import { useCallback, useEffect, useMemo, useState, type FormEvent } from 'react';
import { api, fieldErrors, query } from '../lib/api';
import { can } from '../lib/roles';
import type { Location, StockLevel } from '../lib/types';
import { useSession } from '../session';
import { ErrorBanner, Field, Panel } from '../components/ui';
import { LocationMap } from '../components/LocationMap';

export function InventoryView() {
  const { role, principal } = useSession();
  const [locations, setLocations] = useState<Location[]>([]);
  const [stock, setStock] = useState<StockLevel[]>([]);
  const [sku, setSku] = useState('');
  const [locationId, setLocationId] = useState('');
  const [error, setError] = useState<unknown>(null);
  const [editing, setEditing] = useState<StockLevel | null>(null);

  const mine = principal?.locations;
  const load = useCallback(async () => {
    try {
      const [l, s] = await Promise.all([
        api.get<{ items: Location[] }>('/v1/locations'),
        api.get<{ items: StockLevel[] }>(`/v1/stock${query({ sku: sku.trim(), location_id: locationId })}`),
      ]);
      setLocations(l.items);
      setStock(s.items);
      setError(null);
    } catch (e) { setError(e); }
  }, [sku, locationId]);

  useEffect(() => { void load(); }, [load]);

  const visibleLocations = role === 'seller' && mine ? locations.filter((l) => mine.includes(l.id)) : locations;
  const totals = useMemo(() => {
    const t: Record<string, { on_hand: number; reserved: number; available: number }> = {};
    for (const s of stock) {
      const x = (t[s.location_id] ??= { on_hand: 0, reserved: 0, available: 0 });
      x.on_hand += s.on_hand; x.reserved += s.reserved; x.available += s.available;
    }
    return t;
  }, [stock]);

  const grid = useMemo(() => new Map(stock.map((s) => [`${s.location_id}/${s.sku}`, s])), [stock]);
  const columns = useMemo(() => [...new Set(stock.map((s) => s.location_id))].sort(), [stock]);
  const skus = useMemo(() => [...new Set(stock.map((s) => s.sku))].sort(), [stock]);

  return (
    <div className="view">
      <div className="view-head"><h1>Inventory</h1>{role === 'seller' ? <span className="muted">your locations: {(mine ?? []).join(', ')}</span> : null}</div>
      <ErrorBanner error={error} />
      <div className="grid two">
        <Panel title="Locations">
          <LocationMap locations={visibleLocations} totals={totals} />
          <table className="table" data-testid="locations">
            <thead><tr><th>Id</th><th>Name</th><th>Kind</th><th className="num">Lat</th><th className="num">Lng</th><th>Active</th><th className="num">Available</th></tr></thead>
            <tbody>
              {visibleLocations.map((l) => (
                <tr key={l.id}><td>{l.id}</td><td>{l.name}</td><td>{l.kind}</td><td className="num">{l.lat.toFixed(4)}</td><td className="num">{l.lng.toFixed(4)}</td>
                  <td>{l.active ? 'yes' : 'no'}</td><td className="num">{totals[l.id]?.available ?? '—'}</td></tr>
              ))}
            </tbody>
          </table>
        </Panel>
        <div>
          {editing && role && can.editStock(role) ? <StockEditor level={editing} onDone={() => { setEditing(null); void load(); }} onClose={() => setEditing(null)} /> : null}
          <Panel title="Stock" actions={
            <div className="toolbar">
              <input placeholder="SKU" value={sku} onChange={(e) => setSku(e.target.value)} name="sku-filter" />
              <select value={locationId} onChange={(e) => setLocationId(e.target.value)} aria-label="Location">
                <option value="">all locations</option>
                {visibleLocations.map((l) => <option key={l.id} value={l.id}>{l.id}</option>)}
              </select>
            </div>}>
            <p className="muted small">Each cell: <strong>available</strong> = on hand − reserved.{role && can.editStock(role) ? ' Click a cell to set or adjust it.' : ''}</p>
            <table className="table stock-grid" data-testid="stock">
              <thead><tr><th>SKU</th>{columns.map((c) => <th key={c} className="num">{c}</th>)}</tr></thead>
              <tbody>
                {skus.map((k) => (
                  <tr key={k}>
                    <td>{k}</td>
                    {columns.map((c) => {
                      const s = grid.get(`${c}/${k}`);
                      if (!s) return <td key={c} className="num muted">—</td>;
                      const editable = role && can.editStock(role);
                      return (
                        <td key={c} className={`num stock-cell${s.available === 0 ? ' warn' : ''}${editable ? ' editable' : ''}`} data-stock={`${c}/${k}`}
                          title={`${k} at ${c}: on hand ${s.on_hand}, reserved ${s.reserved}, available ${s.available}`}
                          onClick={editable ? () => setEditing(s) : undefined}>
                          <strong>{s.available}</strong>
                          <span className="stock-detail">{s.on_hand} / {s.reserved}</span>
                        </td>
                      );
                    })}
                  </tr>
                ))}
                {stock.length === 0 ? <tr><td colSpan={columns.length + 1} className="empty">No stock rows.</td></tr> : null}
              </tbody>
            </table>
            <p className="muted small">Under each number: on hand / reserved.</p>
          </Panel>
        </div>
      </div>
    </div>
  );
}

// Set on hand (absolute, compare-and-set against what was read) or adjust by a delta with a reason.
function StockEditor({ level, onDone, onClose }: { level: StockLevel; onDone: () => void; onClose: () => void }) {
  const [onHand, setOnHand] = useState(String(level.on_hand));
  const [delta, setDelta] = useState('');
  const [reason, setReason] = useState('');
  const [error, setError] = useState<unknown>(null);
  const errs = fieldErrors(error).byPointer;

  const set = async (e: FormEvent) => {
    e.preventDefault();
    setError(null);
    try {
      await api.put(`/v1/stock/${encodeURIComponent(level.location_id)}/${encodeURIComponent(level.sku)}`,
        { on_hand: Number(onHand), expected_on_hand: level.on_hand });
      onDone();
    } catch (err) { setError(err); }
  };
  const adjust = async (e: FormEvent) => {
    e.preventDefault();
    setError(null);
    try {
      await api.post('/v1/stock/adjustments', { location_id: level.location_id, sku: level.sku, delta: Number(delta), reason });
      onDone();
    } catch (err) { setError(err); }
  };

  return (
    <div className="panel" data-testid="stock-editor">
      <div className="panel-head"><h2>{level.sku} at {level.location_id}</h2><button className="link" onClick={onClose}>close</button></div>
      <p className="muted">on hand {level.on_hand}, reserved {level.reserved}, available {level.available}</p>
      <ErrorBanner error={error} />
      <form className="row" onSubmit={set}>
        <Field label="Set on hand" error={errs['/on_hand'] ?? errs['/expected_on_hand']}><input name="on_hand" type="number" value={onHand} onChange={(e) => setOnHand(e.target.value)} /></Field>
        <button type="submit" className="primary">Set</button>
      </form>
      <form className="row" onSubmit={adjust}>
        <Field label="Adjust by" error={errs['/delta']}><input name="delta" type="number" value={delta} onChange={(e) => setDelta(e.target.value)} /></Field>
        <Field label="Reason" error={errs['/reason']}><input name="reason" value={reason} onChange={(e) => setReason(e.target.value)} /></Field>
        <button type="submit">Adjust</button>
      </form>
    </div>
  );
}
