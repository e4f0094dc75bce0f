import { useCallback, useState } from 'react';
import { Link } from 'react-router';
import { api, query } from '../lib/api';
import { shortId, time } from '../lib/format';
import type { Job, JobDetail, JobStats, Page } from '../lib/types';
import { ErrorBanner, Panel, usePoll } from '../components/ui';

const STATES = ['dead', 'queued', 'running', 'done'] as const;

export function JobsView() {
  const [state, setState] = useState<string>('dead');
  const [kind, setKind] = useState('');
  const [cursors, setCursors] = useState<(string | null)[]>([null]);
  const [page, setPage] = useState<Page<Job> | null>(null);
  const [stats, setStats] = useState<JobStats | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [detail, setDetail] = useState<JobDetail | null>(null);
  const [retried, setRetried] = useState<Record<string, string>>({});
  const cursor = cursors[cursors.length - 1];

  const load = useCallback(async () => {
    try {
      const [p, s] = await Promise.all([
        api.get<Page<Job>>(`/v1/jobs${query({ state, kind, limit: 50, cursor })}`),
        api.get<JobStats>('/v1/jobs/stats'),
      ]);
      setPage(p);
      setStats(s);
      setError(null);
    } catch (e) { setError(e); }
  }, [state, kind, cursor]);
  usePoll(load, 2000, [load]);

  const retry = async (job: Job) => {
    try {
      await api.post(`/v1/jobs/${job.id}/retry`);
      setRetried((r) => ({ ...r, [job.id]: 'queued again' }));
      void load();
    } catch (e) { setError(e); }
  };
  const open = async (job: Job) => {
    try { setDetail(await api.get<JobDetail>(`/v1/jobs/${job.id}`)); } catch (e) { setError(e); }
  };

  const kinds = stats ? Object.keys(stats.by_kind).sort() : [];
  return (
    <div className="view">
      <div className="view-head"><h1>Failed jobs</h1><span className="muted">the dead-letter queue: jobs out of attempts, retried only by hand</span></div>
      <ErrorBanner error={error} />
      {stats ? (
        <div className="grid stats" data-testid="job-stats">
          {STATES.map((s) => (
            <div key={s} className={`stat${s === 'dead' && stats.totals.dead > 0 ? ' alert' : ''}`} data-stat={s}>
              <div className="stat-value">{stats.totals[s]}</div><div className="stat-label">{s}</div>
            </div>
          ))}
          {Object.entries(stats.breakers).map(([name, st]) => (
            <div key={name} className={`stat breaker-${st}${st !== 'closed' ? ' alert' : ''}`} data-breaker={name}>
              <div className="stat-value">{st.replace('_', '-')}</div><div className="stat-label">breaker {name}</div>
            </div>
          ))}
        </div>
      ) : null}
      {stats && kinds.length ? (
        <Panel title="By kind">
          <table className="table">
            <thead><tr><th>Kind</th>{STATES.map((s) => <th key={s} className="num">{s}</th>)}</tr></thead>
            <tbody>{kinds.map((k) => <tr key={k}><td>{k}</td>{STATES.map((s) => <td key={s} className={`num${s === 'dead' && stats.by_kind[k][s] ? ' bad' : ''}`}>{stats.by_kind[k][s]}</td>)}</tr>)}</tbody>
          </table>
        </Panel>
      ) : null}
      <Panel title="Jobs" actions={
        <div className="toolbar">
          <select aria-label="State" name="job-state" value={state} onChange={(e) => { setState(e.target.value); setCursors([null]); }}>
            {STATES.map((s) => <option key={s} value={s}>{s === 'dead' ? 'dead (DLQ)' : s}</option>)}
            <option value="">any state</option>
          </select>
          <select aria-label="Kind" value={kind} onChange={(e) => { setKind(e.target.value); setCursors([null]); }}>
            <option value="">every kind</option>
            {kinds.map((k) => <option key={k} value={k}>{k}</option>)}
          </select>
        </div>}>
        <table className="table" data-testid="jobs-table">
          <thead><tr><th>Job</th><th>Kind</th><th>Order</th><th>State</th><th className="num">Attempts</th><th>Last error</th><th>Updated</th><th /></tr></thead>
          <tbody>
            {(page?.items ?? []).map((j) => (
              <tr key={j.id} data-job-id={j.id} data-order-id={j.order_id ?? ''}>
                <td><button className="link" onClick={() => open(j)} title={j.id}>{shortId(j.id)}</button></td>
                <td>{j.kind}</td>
                <td>{j.order_id ? <Link to={`/orders/${j.order_id}`}>{shortId(j.order_id)}</Link> : '—'}</td>
                <td><span className={`badge job-${j.state}`}>{j.state}</span></td>
                <td className="num">{j.attempts}/{j.max_attempts}</td>
                <td className="error-text">{j.last_error ?? ''}</td>
                <td>{time(j.updated_at)}</td>
                <td>{j.state === 'dead' ? <button className="primary" onClick={() => retry(j)}>Retry</button> : retried[j.id] ?? ''}</td>
              </tr>
            ))}
            {page && page.items.length === 0 ? <tr><td colSpan={8} className="empty">{state === 'dead' ? 'No failed jobs.' : 'No jobs.'}</td></tr> : null}
          </tbody>
        </table>
        <div className="pager">
          <button disabled={cursors.length <= 1} onClick={() => setCursors(cursors.slice(0, -1))}>← Newer</button>
          <button disabled={!page?.next_cursor} onClick={() => page?.next_cursor && setCursors([...cursors, page.next_cursor])}>Older →</button>
        </div>
      </Panel>
      {detail ? (
        <Panel title={<>Job <code>{detail.id}</code></>} actions={<button className="link" onClick={() => setDetail(null)}>close</button>}>
          <dl className="kv">
            <dt>Kind</dt><dd>{detail.kind} · {detail.step}</dd>
            <dt>Idempotency key</dt><dd><code>{detail.idempotency_key}</code></dd>
            <dt>Payload</dt><dd><code>{JSON.stringify(detail.payload)}</code></dd>
          </dl>
          <h3>Attempts</h3>
          <pre className="attempts">{detail.attempt_log.map((a) => JSON.stringify(a)).join('\n') || 'none'}</pre>
        </Panel>
      ) : null}
    </div>
  );
}
