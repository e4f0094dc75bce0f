import { useEffect, useState, type FormEvent } from 'react';
import { api, fieldErrors } from '../lib/api';
import type { Branding, Effect, Workflow, WorkflowStatus } from '../lib/types';
import { useSession } from '../session';
import { ErrorBanner, Field, Panel } from '../components/ui';

const EFFECTS: Effect[] = ['none', 'confirm', 'pay', 'ship', 'deliver', 'cancel', 'fail', 'expire'];
const ACTIONS = ['webhook', 'email', 'wms.push'];

export function SettingsView() {
  return (
    <div className="view">
      <div className="view-head"><h1>Workflow &amp; branding</h1></div>
      <div className="grid settings">
        <WorkflowEditor />
        <BrandingEditor />
      </div>
    </div>
  );
}

function WorkflowEditor() {
  const { workflow, reloadWorkflow } = useSession();
  const [draft, setDraft] = useState<Workflow | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [saved, setSaved] = useState<string | null>(null);
  const [from, setFrom] = useState('');
  const [to, setTo] = useState('');

  useEffect(() => { if (workflow) setDraft(structuredClone(workflow)); }, [workflow]);
  if (!draft) return <Panel title="Workflow"><p className="muted">Loading…</p></Panel>;

  const errs = fieldErrors(error).byPointer;
  const setStatus = (i: number, patch: Partial<WorkflowStatus>) =>
    setDraft({ ...draft, statuses: draft.statuses.map((s, j) => (j === i ? { ...s, ...patch } : s)) });
  // Renaming a status renames it in the transitions and the initial status too.
  const rename = (i: number, name: string) => {
    const old = draft.statuses[i].name;
    const swap = (n: string) => (n === old ? name : n);
    setDraft({
      ...draft,
      initial: swap(draft.initial),
      statuses: draft.statuses.map((s, j) => (j === i ? { ...s, name } : s)),
      transitions: draft.transitions.map(([f, t]) => [swap(f), swap(t)] as [string, string]),
    });
  };
  const toggleAction = (i: number, action: string) => {
    const current = draft.statuses[i].actions ?? [];
    setStatus(i, { actions: current.includes(action) ? current.filter((a) => a !== action) : [...current, action] });
  };

  const save = async (e: FormEvent) => {
    e.preventDefault();
    setError(null);
    setSaved(null);
    try {
      const body = { version: draft.version, initial: draft.initial, statuses: draft.statuses, transitions: draft.transitions };
      const next = await api.put<Workflow>('/v1/config/workflow', body);
      setSaved(`Saved as version ${next.version}.`);
      await reloadWorkflow();
    } catch (err) { setError(err); }
  };

  const names = draft.statuses.map((s) => s.name);
  return (
    <form className="panel" onSubmit={save} data-testid="workflow-editor">
      <div className="panel-head"><h2>Workflow <span className="muted small">version {workflow?.version}</span></h2>
        <div className="panel-actions"><button type="button" onClick={() => { setDraft(structuredClone(workflow!)); setError(null); }}>Reset</button><button type="submit" className="primary">Save workflow</button></div></div>
      <ErrorBanner error={error} />
      {saved ? <div className="ok-banner" role="status">{saved}</div> : null}
      <Field label="Initial status" error={errs['/initial']}>
        <select name="initial" value={draft.initial} onChange={(e) => setDraft({ ...draft, initial: e.target.value })}>
          {names.map((n) => <option key={n} value={n}>{n}</option>)}
        </select>
      </Field>
      <h3>Statuses</h3>
      <table className="table statuses">
        <thead><tr><th>Name</th><th>Label</th><th>Effect</th><th>Actions</th><th /></tr></thead>
        <tbody>
          {draft.statuses.map((s, i) => {
            const err = errs[`/statuses/${i}/name`] ?? errs[`/statuses/${i}/label`] ?? errs[`/statuses/${i}/effect`] ?? errs[`/statuses/${i}/actions`] ?? errs[`/statuses/${i}`];
            return (
              <tr key={i} data-status-row={s.name} className={err ? 'has-error' : ''}>
                <td><input aria-label={`name of status ${i}`} value={s.name} onChange={(e) => rename(i, e.target.value)} />
                  {err ? <div className="field-error" role="alert" data-pointer={`/statuses/${i}`}>{err}</div> : null}</td>
                <td><input aria-label={`label of ${s.name}`} value={s.label ?? ''} onChange={(e) => setStatus(i, { label: e.target.value })} /></td>
                <td><select aria-label={`effect of ${s.name}`} value={s.effect ?? 'none'} onChange={(e) => setStatus(i, { effect: e.target.value as Effect })}>
                  {EFFECTS.map((x) => <option key={x} value={x}>{x}</option>)}</select></td>
                <td className="checks">{ACTIONS.map((a) => (
                  <label key={a} className="check"><input type="checkbox" checked={(s.actions ?? []).includes(a)} onChange={() => toggleAction(i, a)} />{a}</label>
                ))}</td>
                <td><button type="button" className="link" onClick={() => setDraft({ ...draft, statuses: draft.statuses.filter((_, j) => j !== i) })}>remove</button></td>
              </tr>
            );
          })}
        </tbody>
      </table>
      <button type="button" onClick={() => setDraft({ ...draft, statuses: [...draft.statuses, { name: '', label: '', effect: 'none', actions: [] }] })}>Add status</button>
      <h3>Transitions</h3>
      {errs['/transitions'] ? <div className="field-error" role="alert">{errs['/transitions']}</div> : null}
      <ul className="transitions" data-testid="transitions">
        {draft.transitions.map(([f, t], i) => {
          const err = errs[`/transitions/${i}`] ?? errs[`/transitions/${i}/0`] ?? errs[`/transitions/${i}/1`];
          return (
            <li key={`${f}>${t}>${i}`} data-transition={`${f}>${t}`} className={err ? 'has-error' : ''}>
              <span>{f} → {t}</span>
              <button type="button" className="link" aria-label={`remove ${f} to ${t}`} onClick={() => setDraft({ ...draft, transitions: draft.transitions.filter((_, j) => j !== i) })}>remove</button>
              {err ? <span className="field-error" role="alert">{err}</span> : null}
            </li>
          );
        })}
      </ul>
      <div className="row">
        <select aria-label="from" value={from} onChange={(e) => setFrom(e.target.value)}><option value="">from…</option>{names.map((n) => <option key={n}>{n}</option>)}</select>
        <select aria-label="to" value={to} onChange={(e) => setTo(e.target.value)}><option value="">to…</option>{names.map((n) => <option key={n}>{n}</option>)}</select>
        <button type="button" disabled={!from || !to} onClick={() => setDraft({ ...draft, transitions: [...draft.transitions, [from, to]] })}>Add transition</button>
      </div>
    </form>
  );
}

function BrandingEditor() {
  const { branding, reloadBranding } = useSession();
  const [draft, setDraft] = useState({ shop_name: '', logo_url: '', primary: '', accent: '', background: '', text: '' });
  const [error, setError] = useState<unknown>(null);
  const [saved, setSaved] = useState<string | null>(null);

  useEffect(() => {
    if (!branding) return;
    setDraft({ shop_name: branding.shop_name, logo_url: branding.logo_url ?? '', primary: branding.colors.primary ?? '',
      accent: branding.colors.accent ?? '', background: branding.colors.background ?? '', text: branding.colors.text ?? '' });
  }, [branding]);

  const errs = fieldErrors(error).byPointer;
  const save = async (e: FormEvent) => {
    e.preventDefault();
    setError(null);
    setSaved(null);
    const colors: Record<string, string> = {};
    for (const k of ['primary', 'accent', 'background', 'text'] as const) if (draft[k].trim()) colors[k] = draft[k].trim();
    try {
      const b = await api.put<Branding>('/v1/config/branding', {
        shop_name: draft.shop_name, logo_url: draft.logo_url.trim() || undefined, colors, version: branding?.version,
      });
      setSaved(`Saved as version ${b.version}.`);
      await reloadBranding();
    } catch (err) { setError(err); }
  };
  const set = (k: keyof typeof draft) => (e: { target: { value: string } }) => setDraft({ ...draft, [k]: e.target.value });

  return (
    <form className="panel" onSubmit={save} data-testid="branding-editor">
      <div className="panel-head"><h2>Branding <span className="muted small">version {branding?.version}</span></h2>
        <div className="panel-actions"><button type="submit" className="primary">Save branding</button></div></div>
      <ErrorBanner error={error} />
      {saved ? <div className="ok-banner" role="status">{saved}</div> : null}
      <Field label="Shop name" error={errs['/shop_name']}><input name="shop_name" value={draft.shop_name} onChange={set('shop_name')} /></Field>
      <Field label="Logo URL" error={errs['/logo_url']} hint="http:// or https://; empty for none"><input name="logo_url" value={draft.logo_url} onChange={set('logo_url')} /></Field>
      <div className="colors">
        {(['primary', 'accent', 'background', 'text'] as const).map((k) => (
          <Field key={k} label={`${k[0].toUpperCase()}${k.slice(1)} colour`} error={errs[`/colors/${k}`]}>
            <span className="row"><input name={`color-${k}`} value={draft[k]} placeholder="#rrggbb" onChange={set(k)} />
              <span className="swatch" style={{ background: /^#[0-9a-fA-F]{6}$/.test(draft[k]) ? draft[k] : 'transparent' }} /></span>
          </Field>
        ))}
      </div>
    </form>
  );
}
