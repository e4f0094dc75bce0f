// Who is logged in (token + GET /v1/auth/me), the branding, and the workflow in force:
// loaded once and shared by every view.
import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from 'react';
import { api, setToken, setUnauthorizedHandler } from './lib/api';
import type { Branding, Principal, Role, Workflow } from './lib/types';

const TOKEN_KEY = 'ordo.token';

interface SessionValue {
  principal: Principal | null;
  role: Role | null;
  ready: boolean;
  login: (username: string, password: string) => Promise<void>;
  logout: () => void;
  branding: Branding | null;
  reloadBranding: () => Promise<void>;
  workflow: Workflow | null;
  reloadWorkflow: () => Promise<void>;
}

const SessionContext = createContext<SessionValue | null>(null);

export function useSession(): SessionValue {
  const v = useContext(SessionContext);
  if (!v) throw new Error('useSession outside SessionProvider');
  return v;
}

// The branding's colours become CSS variables; a colour left out keeps the default.
export function applyBranding(b: Branding | null): void {
  const root = document.documentElement.style;
  const set = (name: string, value: string | undefined) => (value ? root.setProperty(name, value) : root.removeProperty(name));
  set('--brand-primary', b?.colors.primary);
  set('--brand-accent', b?.colors.accent);
  set('--brand-bg', b?.colors.background);
  set('--brand-text', b?.colors.text);
  document.title = b?.shop_name ? `${b.shop_name} · Ordo` : 'Ordo';
}

export function SessionProvider({ children }: { children: ReactNode }) {
  const [principal, setPrincipal] = useState<Principal | null>(null);
  const [ready, setReady] = useState(false);
  const [branding, setBranding] = useState<Branding | null>(null);
  const [workflow, setWorkflow] = useState<Workflow | null>(null);

  const logout = useCallback(() => {
    sessionStorage.removeItem(TOKEN_KEY);
    setToken(null);
    setPrincipal(null);
    setWorkflow(null);
  }, []);

  const reloadBranding = useCallback(async () => {
    try {
      const b = await api.get<Branding>('/v1/config/branding');
      setBranding(b);
      applyBranding(b);
    } catch { /* the defaults stay */ }
  }, []);

  const reloadWorkflow = useCallback(async () => {
    try { setWorkflow(await api.get<Workflow>('/v1/config/workflow')); } catch { /* shown as missing */ }
  }, []);

  const adopt = useCallback(async (token: string) => {
    setToken(token);
    const me = await api.get<Principal>('/v1/auth/me');
    if (me.role === 'integration') throw new Error('API keys cannot use the dashboard');
    sessionStorage.setItem(TOKEN_KEY, token);
    setPrincipal(me);
    await reloadWorkflow();
  }, [reloadWorkflow]);

  const login = useCallback(async (username: string, password: string) => {
    setToken(null);
    const t = await api.post<{ access_token: string }>('/v1/auth/token', { username, password });
    await adopt(t.access_token);
  }, [adopt]);

  useEffect(() => {
    setUnauthorizedHandler(logout);
    void reloadBranding();
    const saved = sessionStorage.getItem(TOKEN_KEY);
    if (!saved) { setReady(true); return; }
    adopt(saved).catch(() => logout()).finally(() => setReady(true));
    return () => setUnauthorizedHandler(null);
  }, [adopt, logout, reloadBranding]);

  const value = useMemo<SessionValue>(() => ({
    principal,
    role: principal && principal.role !== 'integration' ? principal.role : null,
    ready, login, logout, branding, reloadBranding, workflow, reloadWorkflow,
  }), [principal, ready, login, logout, branding, reloadBranding, workflow, reloadWorkflow]);

  return <SessionContext.Provider value={value}>{children}</SessionContext.Provider>;
}
