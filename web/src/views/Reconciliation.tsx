import { useCallback, useEffect, useState } from 'react';
import { Link, useNavigate, useParams } from 'react-router';
import { ApiError, api, query } from '../lib/api';
import { shortId, time } from '../lib/format';
import { THRESHOLDS } from '../lib/metrics';
import type { Page, ReconciliationReport } from '../lib/types';
import { ErrorBanner, Panel } from '../components/ui';

export function ReconciliationView() {
  const { id } = useParams();
  const navigate = useNavigate();
  const [report, setReport] = useState<ReconciliationReport | null>(null);
  const [none, setNone] = useState(false);
  const [history, setHistory] = useState<Page<ReconciliationReport> | null>(null);
  const [cursors, setCursors] = useState<(string | null)[]>([null]);
  const [error, setError] = useState<unknown>(null);
  const [running, setRunning] = useState(false);
  const cursor = cursors[cursors.length - 1];

  const load = useCallback(async () => {
    try {
      setReport(await api.get<ReconciliationReport>(id ? `/v1/reconciliation/history/${encodeURIComponent(id)}` : '/v1/reconciliation'));
      setNone(false);
    } catch (e) {
      if (e instanceof ApiError && e.status === 404) { setReport(null); setNone(true); } else setError(e);
    }
    try {
      setHistory(await api.get<Page<ReconciliationReport>>(`/v1/reconciliation/history${query({ limit: 20, cursor })}`));
    } catch (e) { if (!(e instanceof ApiError && e.status === 404)) setError(e); }
  }, [id, cursor]);
  useEffect(() => { void load(); }, [load]);

  const run = async () => {
    setRunning(true);
    setError(null);
    try {
      const r = await api.post<ReconciliationReport>('/v1/reconciliation/run');
      setReport(r);
      setNone(false);
      if (id) navigate('/reconciliation');
      setCursors([null]);
      void load();
    } catch (e) { setError(e); } finally { setRunning(false); }
  };

  return (
    <div className="view">
      <div className="view-head"><h1>Reconciliation</h1><span className="muted">Ordo against the WMS and the ERP</span>
        <button className="primary" onClick={run} disabled={running} data-testid="run-reconciliation">{running ? 'Running…' : 'Run now'}</button></div>
      <ErrorBanner error={error} />
      {none ? <div className="panel empty" data-testid="no-report"><p>{id ? 'No such report.' : 'No reconciliation has run yet. It runs every 5 minutes, or now with "Run now".'}</p></div> : null}
      {report ? <Report report={report} latest={!id} /> : null}
      <Panel title="History">
        <table className="table" data-testid="reconciliation-history">
          <thead><tr><th>Report</th><th>Started</th><th>Trigger</th><th className="num">Duration</th><th className="num">Orders</th><th className="num">Matched</th><th className="num">Discrepancies</th><th className="num">Healed</th><th className="num">Flagged</th></tr></thead>
          <tbody>
            {(history?.items ?? []).map((h) => (
              <tr key={h.id} className={h.id === report?.id ? 'selected' : ''}>
                <td><Link to={`/reconciliation/${h.id}`}>{shortId(h.id)}</Link></td><td>{time(h.started_at)}</td>
                <td>{h.trigger}{h.requested_by ? ` (${h.requested_by})` : ''}</td><td className="num">{h.duration_ms} ms</td>
                <td className="num">{h.counts.ordo_orders}</td><td className="num">{h.counts.matched}</td>
                <td className={`num${h.counts.discrepancies > THRESHOLDS.discrepancies ? ' bad' : ''}`}>{h.counts.discrepancies}</td>
                <td className="num">{h.counts.healed}</td><td className="num">{h.counts.flagged}</td>
              </tr>
            ))}
            {history && history.items.length === 0 ? <tr><td colSpan={9} className="empty">No reports yet.</td></tr> : null}
          </tbody>
        </table>
        <div className="pager">
          <button disabled={cursors.length <= 1} onClick={() => setCursors(cursors.slice(0, -1))}>← Newer</button>
          <button disabled={!history?.next_cursor} onClick={() => history?.next_cursor && setCursors([...cursors, history.next_cursor])}>Older →</button>
        </div>
      </Panel>
    </div>
  );
}

function Report({ report, latest }: { report: ReconciliationReport; latest: boolean }) {
  const c = report.counts;
  const alert = c.discrepancies > THRESHOLDS.discrepancies;
  return (
    <Panel title={<>{latest ? 'Latest report' : 'Report'} <code className="small">{report.id}</code></>} testId="reconciliation-report">
      <p className="muted">{report.trigger === 'manual' ? `Run by ${report.requested_by ?? 'hand'}` : 'Run by the timer'} at {time(report.started_at)}, took {report.duration_ms} ms.
        Sources: {Object.entries(report.sources).map(([k, v]) => <span key={k} className={`badge ${v === 'ok' ? 'ok' : v === 'not-configured' ? '' : 'bad'}`}>{k}: {v}</span>)}</p>
      <div className="grid stats">
        {([['ordo_orders', 'Ordo orders'], ['wms_orders', 'WMS orders'], ['erp_orders', 'ERP orders'], ['matched', 'matched'], ['settling', 'settling'],
          ['discrepancies', 'discrepancies'], ['healed', 'healed'], ['flagged', 'flagged']] as const).map(([k, label]) => (
          <div key={k} className={`stat${k === 'discrepancies' && alert ? ' alert' : ''}${k === 'flagged' && c.flagged ? ' warn' : ''}`} data-count={k}>
            <div className="stat-value">{c[k]}</div><div className="stat-label">{label}</div>
          </div>
        ))}
      </div>
      {alert ? <div className="error-banner">More than {THRESHOLDS.discrepancies} discrepancies (seed 000's alert threshold).</div> : null}
      {Object.keys(report.by_kind).length ? <p>By kind: {Object.entries(report.by_kind).map(([k, n]) => <span key={k} className="chip">{k}: {n}</span>)}</p> : null}
      {report.discrepancies && report.discrepancies.length ? (
        <table className="table" data-testid="discrepancies">
          <thead><tr><th>Kind</th><th>Order</th><th>Ordo</th><th>Other</th><th>Action</th><th>Result</th><th>Detail</th></tr></thead>
          <tbody>
            {report.discrepancies.map((d, i) => (
              <tr key={i}><td>{d.kind}</td><td><Link to={`/orders/${d.order_id}`}>{shortId(d.order_id)}</Link></td><td>{d.ordo_status ?? '—'}</td><td>{d.other_status ?? '—'}</td>
                <td>{d.action}</td><td><span className={`badge ${d.result === 'healed' ? 'ok' : d.result === 'failed' ? 'bad' : 'warn'}`}>{d.result}</span></td><td>{d.detail}</td></tr>
            ))}
          </tbody>
        </table>
      ) : <p className="muted">No discrepancies.</p>}
    </Panel>
  );
}
