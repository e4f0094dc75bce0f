import { useRef, useState } from 'react';
import { ApiError, api } from '../lib/api';
import { alerts, bucketDelta, buckets, failureRate, parsePrometheus, pushPoint, quantile, rate, sum, THRESHOLDS, type AlertKey, type Bucket, type Health, type Sample } from '../lib/metrics';
import type { ReconciliationReport } from '../lib/types';
import { ErrorBanner, Panel, Sparkline, usePoll } from '../components/ui';

const INTERVAL_MS = 2000;

interface Series { ordersPerMin: number[]; failurePct: number[]; queue: number[]; syncP95: number[] }

// Failures and successes of calls to other systems (ordo_job_attempts_total by outcome).
function attemptCounts(s: Sample[]): { failed: number; ok: number } {
  const failed = sum(s, 'ordo_job_attempts_total', { outcome: 'failed' }) + sum(s, 'ordo_job_attempts_total', { outcome: 'retry' }) +
    sum(s, 'ordo_job_attempts_total', { outcome: 'exhausted' });
  const ok = sum(s, 'ordo_job_attempts_total', { outcome: 'done' }) + sum(s, 'ordo_job_attempts_total', { outcome: 'declined' });
  return { failed, ok };
}

// The WMS sync duration (ordo_wms_sync_seconds): its 95th percentile over the last SYNC_WINDOW_MS
// (since the view opened, at first; on the first scrape, since the server started). Null: no sync in it.
const SYNC_METRIC = 'ordo_wms_sync_seconds';
const SYNC_WINDOW_MS = 5 * 60_000;
function recentSyncP95(history: { at: number; buckets: Bucket[] }[], now: Bucket[]): number | null {
  const oldest = history[0];
  return quantile(0.95, oldest ? bucketDelta(oldest.buckets, now) : now);
}

export function SystemView() {
  const [health, setHealth] = useState<{ live: boolean; ready: boolean } | null>(null);
  const [samples, setSamples] = useState<Sample[]>([]);
  const [series, setSeries] = useState<Series>({ ordersPerMin: [], failurePct: [], queue: [], syncP95: [] });
  const [current, setCurrent] = useState<Health>({ failureRatePct: null, syncSeconds: null, discrepancies: null, queueDepth: null });
  const [ordersPerMin, setOrdersPerMin] = useState<number | null>(null);
  const [error, setError] = useState<unknown>(null);
  const previous = useRef<{ at: number; samples: Sample[] } | null>(null);
  const syncHistory = useRef<{ at: number; buckets: Bucket[] }[]>([]);

  usePoll(async () => {
    const probe = async (path: string) => { try { await api.get(path); return true; } catch { return false; } };
    const [live, ready] = await Promise.all([probe('/livez'), probe('/readyz')]);
    setHealth({ live, ready });
    let report: ReconciliationReport | null = null;
    try { report = await api.get<ReconciliationReport>('/v1/reconciliation'); } catch (e) { if (!(e instanceof ApiError)) throw e; }
    try {
      const s = parsePrometheus(await api.text('/metrics'));
      const at = Date.now();
      const prev = previous.current;
      const seconds = prev ? (at - prev.at) / 1000 : 0;
      const placed = sum(s, 'ordo_orders_total', { outcome: 'placed' });
      const perMin = prev ? 60 * rate(sum(prev.samples, 'ordo_orders_total', { outcome: 'placed' }), placed, seconds) : null;
      // The failure rate over the last interval when calls were made in it, else since the start.
      const now = attemptCounts(s);
      let pct = failureRate(now.failed, now.ok);
      if (prev) {
        const before = attemptCounts(prev.samples);
        const recent = failureRate(Math.max(0, now.failed - before.failed), Math.max(0, now.ok - before.ok));
        if (recent !== null) pct = recent;
      }
      const queue = sum(s, 'ordo_jobs', { state: 'queued' }) + sum(s, 'ordo_sequencer_queue_depth');
      const syncNow = buckets(s, SYNC_METRIC);
      const history = syncHistory.current.filter((x) => at - x.at <= SYNC_WINDOW_MS);
      const sync = recentSyncP95(history, syncNow);
      syncHistory.current = [...history, { at, buckets: syncNow }];
      const h: Health = { failureRatePct: pct, syncSeconds: sync, discrepancies: report ? report.counts.discrepancies : null, queueDepth: queue };
      setCurrent(h);
      setOrdersPerMin(perMin);
      setSamples(s);
      setSeries((x) => ({
        ordersPerMin: perMin === null ? x.ordersPerMin : pushPoint(x.ordersPerMin, perMin),
        failurePct: pushPoint(x.failurePct, pct ?? 0),
        queue: pushPoint(x.queue, queue),
        syncP95: pushPoint(x.syncP95, sync ?? 0),
      }));
      previous.current = { at, samples: s };
      setError(null);
    } catch (e) { setError(e); }
  }, INTERVAL_MS);

  const firing = new Set<AlertKey>(alerts(current));
  const breakers = samples.filter((x) => x.name === 'ordo_breaker_state' && x.value === 1);
  const fmt = (v: number | null, digits = 1, unit = '') => (v === null ? 'no data' : `${v.toFixed(digits)}${unit}`);

  return (
    <div className="view">
      <div className="view-head"><h1>System</h1>
        {health ? <span className={`badge ${health.live && health.ready ? 'ok' : 'bad'}`} data-testid="health">{health.live ? 'live' : 'down'} · {health.ready ? 'ready' : 'not ready'}</span> : null}
        {firing.size ? <span className="badge bad" data-testid="alert-count">{firing.size} alert{firing.size > 1 ? 's' : ''}</span> : <span className="badge ok">no alerts</span>}
      </div>
      <ErrorBanner error={error} />
      <div className="grid metrics" data-testid="metrics">
        <Metric title="Orders per minute" value={fmt(ordersPerMin, 0)} series={series.ordersPerMin} />
        <Metric title="Failure rate (calls to other systems)" value={fmt(current.failureRatePct, 1, ' %')} series={series.failurePct}
          alert={firing.has('failureRatePct')} threshold={`> ${THRESHOLDS.failureRatePct} %`} id="failure-rate" />
        <Metric title="Queue depth (jobs queued + commands waiting)" value={fmt(current.queueDepth, 0)} series={series.queue}
          alert={firing.has('queueDepth')} threshold={`> ${THRESHOLDS.queueDepth}`} id="queue-depth" />
        <Metric title="WMS sync duration (p95, last 5 min)" value={current.syncSeconds === null ? 'no syncs' : fmt(current.syncSeconds, 2, ' s')} series={series.syncP95} alert={firing.has('syncSeconds')} threshold={`> ${THRESHOLDS.syncSeconds} s`} id="sync" />
        <Metric title="Reconciliation discrepancies" value={fmt(current.discrepancies, 0)} alert={firing.has('discrepancies')} threshold={`> ${THRESHOLDS.discrepancies}`} id="discrepancies" />
      </div>
      <Panel title="Circuit breakers">
        {breakers.length === 0 ? <p className="muted">No breaker reported yet.</p> : (
          <div className="row">{breakers.map((b) => (
            <span key={b.labels.integration} className={`badge breaker-${b.labels.state}`} data-breaker={b.labels.integration}>{b.labels.integration}: {b.labels.state}</span>
          ))}</div>
        )}
      </Panel>
      <Panel title="Counters">
        <table className="table">
          <tbody>
            <tr><td>Orders placed</td><td className="num">{sum(samples, 'ordo_orders_total', { outcome: 'placed' })}</td></tr>
            <tr><td>Orders rejected</td><td className="num">{sum(samples, 'ordo_orders_total', { outcome: 'rejected' })}</td></tr>
            <tr><td>Payments captured</td><td className="num">{sum(samples, 'ordo_payments_total', { outcome: 'captured' })}</td></tr>
            <tr><td>Payments declined</td><td className="num">{sum(samples, 'ordo_payments_total', { outcome: 'declined' })}</td></tr>
            <tr><td>Payments failed</td><td className="num">{sum(samples, 'ordo_payments_total', { outcome: 'failed' })}</td></tr>
            <tr><td>Dead jobs</td><td className="num">{sum(samples, 'ordo_jobs', { state: 'dead' })}</td></tr>
          </tbody>
        </table>
      </Panel>
    </div>
  );
}

function Metric({ title, value, series, alert = false, threshold, id }: { title: string; value: string; series?: number[]; alert?: boolean; threshold?: string; id?: string }) {
  return (
    <div className={`panel metric${alert ? ' alert' : ''}`} data-metric={id} data-alert={alert ? 'true' : 'false'}>
      <div className="metric-title">{title}</div>
      <div className="metric-value">{value}</div>
      {series ? <Sparkline values={series} alert={alert} label={title} /> : null}
      {threshold ? <div className="metric-threshold">{alert ? `ALERT: over the threshold (${threshold})` : `alert when ${threshold}`}</div> : null}
    </div>
  );
}
