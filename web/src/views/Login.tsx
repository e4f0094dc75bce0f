import { useState, type FormEvent } from 'react';
import { useSession } from '../session';
import { ErrorBanner, Field } from '../components/ui';
import { fieldErrors } from '../lib/api';

const DEMO = [
  { label: 'Customer', username: 'customer@ordo.demo', password: 'Customer123!' },
  { label: 'Customer 2', username: 'customer2@ordo.demo', password: 'Customer123!' },
  { label: 'Seller', username: 'seller@ordo.demo', password: 'Seller123!' },
  { label: 'Seller 2', username: 'seller2@ordo.demo', password: 'Seller123!' },
  { label: 'Admin', username: 'admin@ordo.demo', password: 'Admin123!' },
];

export function LoginView() {
  const { login, branding } = useSession();
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (e?: FormEvent, u = username, p = password) => {
    e?.preventDefault();
    setBusy(true);
    setError(null);
    try { await login(u, p); } catch (err) { setError(err); } finally { setBusy(false); }
  };
  const errs = fieldErrors(error).byPointer;

  return (
    <div className="login-page">
      <form className="panel login" onSubmit={submit}>
        <h1>{branding?.shop_name || 'Ordo'}</h1>
        <p className="muted">Sign in to the dashboard</p>
        <ErrorBanner error={error} />
        <Field label="Email" error={errs['/username']}>
          <input name="username" autoComplete="username" value={username} onChange={(e) => setUsername(e.target.value)} autoFocus />
        </Field>
        <Field label="Password" error={errs['/password']}>
          <input name="password" type="password" autoComplete="current-password" value={password} onChange={(e) => setPassword(e.target.value)} />
        </Field>
        <button type="submit" className="primary" disabled={busy}>{busy ? 'Signing in…' : 'Sign in'}</button>
        <div className="demo-accounts">
          <span className="muted">Demo accounts (ordo serve --demo):</span>
          {DEMO.map((d) => (
            <button key={d.username} type="button" className="chip" onClick={() => { setUsername(d.username); setPassword(d.password); void submit(undefined, d.username, d.password); }}>
              {d.label}
            </button>
          ))}
        </div>
      </form>
    </div>
  );
}
