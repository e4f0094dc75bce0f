import { useEffect, useMemo, useState, type FormEvent } from 'react';
import { useNavigate } from 'react-router';
import { ApiError, api, fieldErrors, query } from '../lib/api';
import type { Order, Page, Product } from '../lib/types';
import { useSession } from '../session';
import { ErrorBanner, Field, Panel } from '../components/ui';

const ADDRESS = { name: 'Ada Lovelace', line1: 'Jungfernstieg 1', city: 'Hamburg', postal_code: '20095', country: 'DE' };

export function StorefrontView() {
  const { principal } = useSession();
  const navigate = useNavigate();
  const [products, setProducts] = useState<Product[]>([]);
  const [cursor, setCursor] = useState<string | null>(null);
  const [next, setNext] = useState<string | null>(null);
  const [filter, setFilter] = useState('');
  const [cart, setCart] = useState<Record<string, number>>({});
  const [address, setAddress] = useState<Record<string, string>>(ADDRESS);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    api.get<Page<Product>>(`/v1/products${query({ limit: 60, cursor })}`)
      .then((p) => { setProducts(p.items); setNext(p.next_cursor); })
      .catch(setError);
  }, [cursor]);

  const [known, setKnown] = useState<Record<string, Product>>({});
  useEffect(() => { setKnown((k) => ({ ...k, ...Object.fromEntries(products.map((p) => [p.sku, p])) })); }, [products]);

  const shown = useMemo(() => {
    const f = filter.trim().toLowerCase();
    return f ? products.filter((p) => p.name.toLowerCase().includes(f) || p.sku.toLowerCase().includes(f)) : products;
  }, [products, filter]);

  const lines = Object.entries(cart).filter(([, q]) => q > 0);
  const currency = lines.length ? known[lines[0][0]]?.currency ?? 'EUR' : 'EUR';
  const total = lines.reduce((sum, [sku, q]) => sum + Math.round(parseFloat(known[sku]?.price ?? '0') * 100) * q, 0);
  const add = (sku: string, d: number) => setCart((c) => ({ ...c, [sku]: Math.max(0, (c[sku] ?? 0) + d) }));

  const place = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const shipping: Record<string, string> = {};
      for (const [k, v] of Object.entries(address)) if (v.trim()) shipping[k] = v.trim();
      const order = await api.post<Order>('/v1/orders', {
        currency,
        channel: 'web',
        lines: lines.map(([sku, quantity]) => ({ sku, quantity })),
        shipping_address: shipping,
      });
      setCart({});
      navigate(`/orders/${order.id}`);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  const errs = fieldErrors(error).byPointer;
  const shortfall = error instanceof ApiError ? error.problem.shortfall ?? [] : [];
  const lineError = (i: number) => errs[`/lines/${i}/sku`] ?? errs[`/lines/${i}/quantity`] ?? errs[`/lines/${i}`];

  return (
    <div className="view storefront">
      <div className="view-head"><h1>Shop</h1>{principal?.customer_id ? <span className="muted">customer {principal.customer_id}</span> : null}</div>
      <div className="grid shop">
        <Panel title="Products" actions={<input className="filter" placeholder="Filter products" value={filter} onChange={(e) => setFilter(e.target.value)} />}>
          <div className="products" data-testid="products">
            {shown.map((p) => (
              <div key={p.sku} className="product" data-sku={p.sku}>
                <div className="product-name">{p.name}</div>
                <div className="muted small">{p.sku}</div>
                <div className="product-price">{p.price} {p.currency}</div>
                <div className="row">
                  <button onClick={() => add(p.sku, 1)} aria-label={`Add ${p.name}`}>Add</button>
                  {cart[p.sku] ? <span className="qty">{cart[p.sku]} in cart</span> : null}
                </div>
              </div>
            ))}
          </div>
          <div className="pager">
            <button disabled={!cursor} onClick={() => setCursor(null)}>← First</button>
            <button disabled={!next} onClick={() => setCursor(next)}>More →</button>
          </div>
        </Panel>
        <form className="panel cart" onSubmit={place} data-testid="cart">
          <h2>Cart</h2>
          <ErrorBanner error={error} />
          {lines.length === 0 ? <p className="muted">Add products to order them.</p> : (
            <table className="table">
              <tbody>
                {lines.map(([sku, q], i) => (
                  <tr key={sku} className={lineError(i) ? 'has-error' : ''}>
                    <td>{known[sku]?.name ?? sku}{lineError(i) ? <div className="field-error">{lineError(i)}</div> : null}
                      {shortfall.filter((s) => s.sku === sku).map((s) => <div key={s.sku} className="field-error">only {s.available} available</div>)}</td>
                    <td className="num">
                      <button type="button" className="small" onClick={() => add(sku, -1)} aria-label="one less">−</button> {q}{' '}
                      <button type="button" className="small" onClick={() => add(sku, 1)} aria-label="one more">+</button>
                    </td>
                  </tr>
                ))}
                <tr className="total"><td>Total</td><td className="num" data-testid="cart-total">{(total / 100).toFixed(2)} {currency}</td></tr>
              </tbody>
            </table>
          )}
          <h3>Ship to</h3>
          {([['name', 'Name'], ['line1', 'Street'], ['city', 'City'], ['postal_code', 'Postal code'], ['country', 'Country (ISO code)']] as const).map(([k, label]) => (
            <Field key={k} label={label} error={errs[`/shipping_address/${k}`]}>
              <input name={k} value={address[k] ?? ''} onChange={(e) => setAddress({ ...address, [k]: e.target.value })} />
            </Field>
          ))}
          {errs['/shipping_address'] ? <div className="field-error">{errs['/shipping_address']}</div> : null}
          <button type="submit" className="primary" disabled={busy || lines.length === 0}>{busy ? 'Placing…' : 'Place order'}</button>
        </form>
      </div>
    </div>
  );
}
