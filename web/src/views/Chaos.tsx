import { useCallback, useEffect, useState, type FormEvent } from 'react';
import { Link } from 'react-router';
import { ApiError, api, fieldErrors } from '../lib/api';
import { shortId } from '../lib/format';
import type { ChaosKnobs } from '../lib/types';
import { ErrorBanner, Field, Panel } from '../components/ui';

// The knobs shown first, with what they mean; any other numeric knob the server reports follows.
const KNOWN: [string, string][] = [
  ['failure_pct', 'Payment failure %'],
  ['decline_pct', 'Payment decline %'],
  ['latency_ms', 'Gateway latency (ms)'],
  ['wms_failure_pct', 'WMS failure %'],
  ['wms_step_ms', 'WMS step time (ms)'],
  ['callback_drop_pct', 'WMS callbacks dropped %'],
  ['callback_duplicate_pct', 'WMS callbacks duplicated %'],
  ['callback_reorder_pct', 'WMS callbacks reordered %'],
  ['hang_pct', 'Gateway hangs %'],
  ['hang_ms', 'Gateway hang (ms)'],
  ['drop_after_charge_pct', 'Charged, then answer dropped %'],
  ['malformed_pct', 'Malformed gateway answers %'],
  ['seed', 'Random seed'],
];
const SCENARIOS = ['mixed', 'happy', 'wms_failure', 'callback_drop', 'payment_declined', 'unpaid', 'out_of_stock'];

interface Generated { created: { id: string; scenario: string }[]; rejected: { scenario: string; reason: string }[] }

export function ChaosView() {
  const [knobs, setKnobs] = useState<ChaosKnobs | null>(null);
  const [draft, setDraft] = useState<Record<string, string>>({});
  const [unavailable, setUnavailable] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [saved, setSaved] = useState<string | null>(null);
  const [count, setCount] = useState('10');
  const [scenario, setScenario] = useState('mixed');
  const [generated, setGenerated] = useState<Generated | null>(null);
  const [genError, setGenError] = useState<unknown>(null);
  const [resetDone, setResetDone] = useState<string | null>(null);

  const load = useCallback(async () => {
    try {
      const k = await api.get<ChaosKnobs>('/v1/admin/chaos');
      setKnobs(k);
      setDraft(Object.fromEntries(Object.entries(k).map(([n, v]) => [n, String(v)])));
      setUnavailable(null);
    } catch (e) {
      if (e instanceof ApiError && (e.status === 403 || e.status === 404)) setUnavailable(e.slug === 'demo-mode-only' ? 'The chaos knobs exist in demo mode only (ordo serve --demo).' : e.message);
      else setError(e);
    }
  }, []);
  useEffect(() => { void load(); }, [load]);

  const save = async (e: FormEvent) => {
    e.preventDefault();
    if (!knobs) return;
    setError(null);
    setSaved(null);
    const changes: Record<string, number> = {};
    for (const [name, value] of Object.entries(draft)) {
      if (typeof knobs[name] !== 'number' || String(knobs[name]) === value) continue;
      changes[name] = value.trim() === '' ? NaN : Number(value);
    }
    try {
      const k = await api.put<ChaosKnobs>('/v1/admin/chaos', changes);
      setKnobs(k);
      setDraft(Object.fromEntries(Object.entries(k).map(([n, v]) => [n, String(v)])));
      setSaved(Object.keys(changes).length ? `Set ${Object.keys(changes).join(', ')}.` : 'Nothing changed.');
    } catch (err) { setError(err); }
  };

  const generate = async (e: FormEvent) => {
    e.preventDefault();
    setGenError(null);
    try { setGenerated(await api.post<Generated>('/v1/admin/demo/orders', { count: Number(count), scenario })); } catch (err) { setGenError(err); }
  };

  const reset = async () => {
    if (!window.confirm('Clear every order, job, reservation and report, and restore the demo stock?')) return;
    try { await api.post('/v1/admin/reset'); setResetDone('Reset done.'); setGenerated(null); } catch (err) { setError(err); }
  };

  if (unavailable) return <div className="view"><div className="view-head"><h1>Chaos</h1></div><div className="panel empty" data-testid="chaos-unavailable"><p>{unavailable}</p></div></div>;
  const errs = fieldErrors(error).byPointer;
  const genErrs = fieldErrors(genError).byPointer;
  const numeric = knobs ? Object.keys(knobs).filter((k) => typeof knobs[k] === 'number') : [];
  const order = [...KNOWN.filter(([k]) => numeric.includes(k)), ...numeric.filter((k) => !KNOWN.some(([n]) => n === k)).map((k) => [k, k] as [string, string])];

  return (
    <div className="view">
      <div className="view-head"><h1>Chaos</h1><span className="muted">the in-process simulators of the demo: payment gateway, WMS, ERP</span></div>
      <ErrorBanner error={error} />
      <div className="grid two">
        <form className="panel" onSubmit={save} data-testid="chaos-knobs">
          <div className="panel-head"><h2>Knobs</h2><div className="panel-actions"><button type="submit" className="primary">Apply</button></div></div>
          {saved ? <div className="ok-banner" role="status">{saved}</div> : null}
          <div className="knobs">
            {order.map(([k, label]) => (
              <Field key={k} label={label} error={errs[`/${k}`]}>
                <input name={k} type="number" value={draft[k] ?? ''} onChange={(e) => setDraft({ ...draft, [k]: e.target.value })} />
              </Field>
            ))}
          </div>
        </form>
        <div>
          <form className="panel" onSubmit={generate} data-testid="demo-orders">
            <h2>Generate demo orders</h2>
            <ErrorBanner error={genError} />
            <div className="row">
              <Field label="How many (1-200)" error={genErrs['/count']}><input name="count" type="number" value={count} onChange={(e) => setCount(e.target.value)} /></Field>
              <Field label="Scenario" error={genErrs['/scenario']}>
                <select name="scenario" value={scenario} onChange={(e) => setScenario(e.target.value)}>{SCENARIOS.map((s) => <option key={s}>{s}</option>)}</select>
              </Field>
              <button type="submit" className="primary">Generate</button>
            </div>
            {generated ? (
              <div data-testid="generated">
                <p>{generated.created.length} created, {generated.rejected.length} rejected.</p>
                <ul className="compact">{generated.created.slice(0, 20).map((c) => <li key={c.id}><Link to={`/orders/${c.id}`}>{shortId(c.id)}</Link> {c.scenario}</li>)}</ul>
                {generated.rejected.length ? <ul className="compact">{generated.rejected.slice(0, 10).map((r, i) => <li key={i} className="error-text">{r.scenario}: {r.reason}</li>)}</ul> : null}
              </div>
            ) : null}
          </form>
          <Panel title="Reset">
            <p className="muted">Clears orders, jobs, reservations and reports, and restores the demo stock.</p>
            <button className="danger" onClick={reset} data-testid="reset">Reset the demo</button>
            {resetDone ? <span className="ok-text"> {resetDone}</span> : null}
          </Panel>
        </div>
      </div>
    </div>
  );
}
