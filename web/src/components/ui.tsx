import { useEffect, useRef, useState, type ReactNode } from 'react';
import { fieldErrors } from '../lib/api';
import { statusLabel } from '../lib/roles';
import type { Workflow } from '../lib/types';

export function StatusBadge({ status, workflow }: { status: string; workflow: Workflow | null }) {
  return <span className={`badge status-${status}`} data-status={status}>{statusLabel(workflow, status)}</span>;
}

export function WmsBadge({ state }: { state: string }) {
  return <span className={`badge wms-${state}`} data-wms={state} title="WMS sync state">{state}</span>;
}

export function ErrorBanner({ error }: { error: unknown }) {
  if (!error) return null;
  const { general } = fieldErrors(error);
  return <div className="error-banner" role="alert">{general}</div>;
}

// A labelled input with the server's message for its JSON pointer beneath it.
export function Field({ label, error, children, hint }: { label: string; error?: string; children: ReactNode; hint?: string }) {
  return (
    <label className={`field${error ? ' has-error' : ''}`}>
      <span className="field-label">{label}</span>
      {children}
      {hint && !error ? <span className="field-hint">{hint}</span> : null}
      {error ? <span className="field-error" role="alert">{error}</span> : null}
    </label>
  );
}

// Re-runs `fn` every `ms` while mounted (and once at once).
export function usePoll(fn: () => void | Promise<void>, ms: number, deps: unknown[] = []) {
  const saved = useRef(fn);
  saved.current = fn;
  useEffect(() => {
    let stopped = false;
    let timer: ReturnType<typeof setTimeout>;
    const tick = async () => {
      try { await saved.current(); } catch { /* shown by the view */ }
      if (!stopped) timer = setTimeout(tick, ms);
    };
    void tick();
    return () => { stopped = true; clearTimeout(timer); };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [ms, ...deps]);
}

export function useNow(ms = 1000): number {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    const t = setInterval(() => setNow(Date.now()), ms);
    return () => clearInterval(t);
  }, [ms]);
  return now;
}

export function Sparkline({ values, width = 160, height = 36, alert = false, label }: { values: number[]; width?: number; height?: number; alert?: boolean; label: string }) {
  const max = Math.max(1, ...values);
  const step = values.length > 1 ? width / (values.length - 1) : width;
  const points = values.map((v, i) => `${(i * step).toFixed(1)},${(height - 2 - (v / max) * (height - 4)).toFixed(1)}`).join(' ');
  return (
    <svg className={`sparkline${alert ? ' alert' : ''}`} width={width} height={height} role="img" aria-label={label} viewBox={`0 0 ${width} ${height}`}>
      <polyline points={points} fill="none" strokeWidth="2" />
    </svg>
  );
}

export function Panel({ title, children, actions, testId }: { title: ReactNode; children: ReactNode; actions?: ReactNode; testId?: string }) {
  return (
    <section className="panel" data-testid={testId}>
      <div className="panel-head"><h2>{title}</h2>{actions ? <div className="panel-actions">{actions}</div> : null}</div>
      {children}
    </section>
  );
}

export function LiveDot({ state }: { state: string }) {
  const text = state === 'open' ? 'live' : state === 'denied' ? 'no live updates' : state === 'polling' ? 'refreshing' : 'reconnecting…';
  return <span className={`live live-${state}`} data-testid="live-state" data-state={state}>{text}</span>;
}
