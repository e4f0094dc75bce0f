import { describe, expect, it } from 'vitest';
import { ApiError, fieldErrors, query } from './api';
import { affectsOrderList, mergeEvents } from './timeline';
import { fitProjection } from './geo';
import type { OrderEvent } from './types';

const ev = (seq: number): OrderEvent => ({ id: `evt_${seq}`, seq, type: 't', order_id: 'o', time: '', correlation_id: '', causation_id: '', data: {} });

describe('mergeEvents', () => {
  it('keeps seq order and each seq once', () => {
    const a = mergeEvents([], [ev(3), ev(1)]);
    expect(a.map((e) => e.seq)).toEqual([1, 3]);
    const b = mergeEvents(a, [ev(2), ev(3), ev(4)]);
    expect(b.map((e) => e.seq)).toEqual([1, 2, 3, 4]);
    expect(mergeEvents(b, [ev(4)])).toBe(b);   // nothing new: the same array, no re-render
  });
});

describe('problems', () => {
  it('maps each JSON pointer to its detail, and keeps a general message', () => {
    const err = new ApiError({ type: 'https://ordo.dev/problems/validation', status: 422, detail: 'invalid body',
      errors: [{ pointer: '/statuses/2/name', detail: 'bad name' }, { pointer: '/statuses/2/name', detail: 'too long' }, { pointer: '/shop_name', detail: 'empty' }] });
    const f = fieldErrors(err);
    expect(f.byPointer).toEqual({ '/statuses/2/name': 'bad name; too long', '/shop_name': 'empty' });
    expect(f.general).toBe('invalid body');
    expect(err.slug).toBe('validation');
  });
  it('treats a problem without errors as general only', () => {
    const f = fieldErrors(new ApiError({ type: 'https://ordo.dev/problems/version-conflict', status: 409, detail: 'stale version' }));
    expect(f.byPointer).toEqual({});
    expect(f.general).toBe('stale version');
  });
  it('builds query strings from set values only', () => {
    expect(query({ status: 'paid', customer_id: '', cursor: null, limit: 50 })).toBe('?status=paid&limit=50');
    expect(query({})).toBe('');
  });
});

describe('fitProjection', () => {
  it('puts every point inside the frame, north up, east right', () => {
    const pts: [number, number][] = [[13.4, 52.5], [2.35, 48.86], [16.37, 48.21]];
    const p = fitProjection(pts, 500, 300, 20);
    for (const [lng, lat] of pts) {
      const [x, y] = p.project(lng, lat);
      expect(x).toBeGreaterThanOrEqual(20); expect(x).toBeLessThanOrEqual(480);
      expect(y).toBeGreaterThanOrEqual(20); expect(y).toBeLessThanOrEqual(280);
    }
    expect(p.project(13.4, 52.5)[1]).toBeLessThan(p.project(16.37, 48.21)[1]);   // Berlin north of Vienna
    expect(p.project(2.35, 48.86)[0]).toBeLessThan(p.project(13.4, 52.5)[0]);    // Paris west of Berlin
  });
});

describe('which events reload an order list', () => {
  it('takes order, payment and WMS events, not stock or configuration', () => {
    for (const t of ['order.created', 'order.status_changed', 'payment.captured', 'wms.sync_failed', 'wms.acknowledged', 'reservation.expired'])
      expect(affectsOrderList(t), t).toBe(true);
    for (const t of ['stock.adjusted', 'config.updated', 'reservation.created', 'webhook.delivered'])
      expect(affectsOrderList(t), t).toBe(false);
  });
});
