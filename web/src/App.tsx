import { NavLink, Navigate, Route, Routes, useLocation } from 'react-router';
import { useSession } from './session';
import { homeFor, mayOpen, navFor } from './lib/roles';
import { LoginView } from './views/Login';
import { OrdersView } from './views/Orders';
import { OrderDetailView } from './views/OrderDetail';
import { StorefrontView } from './views/Storefront';
import { InventoryView } from './views/Inventory';
import { JobsView } from './views/Jobs';
import { SettingsView } from './views/Settings';
import { SystemView } from './views/System';
import { ReconciliationView } from './views/Reconciliation';
import { ChaosView } from './views/Chaos';
import type { ReactNode } from 'react';

function Shell({ children }: { children: ReactNode }) {
  const { principal, role, logout, branding } = useSession();
  if (!role || !principal) return null;
  const who = principal.subject ?? principal.id;
  return (
    <div className="shell">
      <header className="topbar">
        <div className="brand">
          {branding?.logo_url ? <img src={branding.logo_url} alt="" className="logo" /> : <span className="logo-dot" />}
          <span className="shop-name" data-testid="shop-name">{branding?.shop_name || 'Ordo'}</span>
        </div>
        <nav className="nav">
          {navFor(role).map((n) => (
            <NavLink key={n.path} to={n.path} className={({ isActive }) => (isActive ? 'active' : '')}>{n.label}</NavLink>
          ))}
        </nav>
        <div className="whoami">
          <span className={`role role-${role}`} data-testid="role">{role}</span>
          <span className="subject" title={principal.id}>{who}</span>
          <button className="link" onClick={logout}>Log out</button>
        </div>
      </header>
      <main className="content">{children}</main>
    </div>
  );
}

function Guard({ path, children }: { path: string; children: ReactNode }) {
  const { role } = useSession();
  if (!role) return null;
  if (!mayOpen(role, path)) {
    return (
      <div className="panel empty" data-testid="forbidden">
        <h1>Not available</h1>
        <p>Your role ({role}) cannot open this page.</p>
      </div>
    );
  }
  return <>{children}</>;
}

export function App() {
  const { ready, role } = useSession();
  const location = useLocation();
  if (!ready) return <div className="loading">Loading…</div>;
  if (!role) {
    return (
      <Routes>
        <Route path="/login" element={<LoginView />} />
        <Route path="*" element={<Navigate to="/login" replace state={{ from: location.pathname + location.search }} />} />
      </Routes>
    );
  }
  const guarded = (path: string, el: ReactNode) => <Guard path={path}>{el}</Guard>;
  return (
    <Shell>
      <Routes>
        <Route path="/" element={<Navigate to={homeFor(role)} replace />} />
        <Route path="/login" element={<Navigate to={(location.state as { from?: string } | null)?.from ?? homeFor(role)} replace />} />
        <Route path="/orders" element={guarded('/orders', <OrdersView />)} />
        <Route path="/orders/:id" element={guarded('/orders', <OrderDetailView />)} />
        <Route path="/shop" element={guarded('/shop', <StorefrontView />)} />
        <Route path="/inventory" element={guarded('/inventory', <InventoryView />)} />
        <Route path="/jobs" element={guarded('/jobs', <JobsView />)} />
        <Route path="/settings" element={guarded('/settings', <SettingsView />)} />
        <Route path="/system" element={guarded('/system', <SystemView />)} />
        <Route path="/reconciliation" element={guarded('/reconciliation', <ReconciliationView />)} />
        <Route path="/reconciliation/:id" element={guarded('/reconciliation', <ReconciliationView />)} />
        <Route path="/chaos" element={guarded('/chaos', <ChaosView />)} />
        <Route path="*" element={<div className="panel empty"><h1>Not found</h1><p>No page at {location.pathname}.</p></div>} />
      </Routes>
    </Shell>
  );
}
