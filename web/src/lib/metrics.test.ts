import { describe, expect, it } from 'vitest';
import { alerts, bucketDelta, buckets, failureRate, parsePrometheus, pushPoint, quantile, rate, sum, THRESHOLDS } from './metrics';

const TEXT = `# HELP ordo_orders_total Orders by outcome
# TYPE ordo_orders_total counter
ordo_orders_total{outcome="placed"} 120
ordo_orders_total{outcome="rejected"} 3
ordo_job_attempts_total{kind="wms.push",outcome="retry"} 4
ordo_job_attempts_total{kind="wms.push",outcome="done"} 16
ordo_breaker_state{integration="payment",state="open"} 1
ordo_breaker_state{integration="payment",state="closed"} 0
ordo_sequencer_queue_depth 7
ordo_label_escape{path="a\\"b}c"} 2
ordo_http_request_duration_seconds_bucket{le="+Inf"} 5
`;

describe('parsePrometheus', () => {
  const s = parsePrometheus(TEXT);
  it('reads names, labels and values, skipping comments', () => {
    expect(sum(s, 'ordo_orders_total', { outcome: 'placed' })).toBe(120);
    expect(sum(s, 'ordo_orders_total')).toBe(123);
    expect(sum(s, 'ordo_sequencer_queue_depth')).toBe(7);
    expect(s.find((x) => x.name === 'ordo_breaker_state' && x.value === 1)?.labels).toEqual({ integration: 'payment', state: 'open' });
  });
  it('handles escaped quotes and braces inside label values', () => {
    expect(s.find((x) => x.name === 'ordo_label_escape')?.labels.path).toBe('a"b}c');
  });
});

describe('rates and alerts', () => {
  it('computes per-second rates and survives a counter reset', () => {
    expect(rate(100, 160, 2)).toBe(30);
    expect(rate(100, 10, 2)).toBe(5);
    expect(rate(1, 2, 0)).toBe(0);
  });
  it('failure rate is a percentage, unknown without calls', () => {
    expect(failureRate(1, 19)).toBe(5);
    expect(failureRate(0, 0)).toBeNull();
  });
  it('fires each alert only strictly above its threshold (seed 000)', () => {
    expect(THRESHOLDS).toEqual({ failureRatePct: 5, syncSeconds: 10, discrepancies: 10, queueDepth: 1000 });
    expect(alerts({ failureRatePct: 5, syncSeconds: 10, discrepancies: 10, queueDepth: 1000 })).toEqual([]);
    expect(alerts({ failureRatePct: 5.1, syncSeconds: 10.5, discrepancies: 11, queueDepth: 1001 }))
      .toEqual(['failureRatePct', 'syncSeconds', 'discrepancies', 'queueDepth']);
    expect(alerts({ failureRatePct: null, syncSeconds: null, discrepancies: null, queueDepth: null })).toEqual([]);
  });
  it('keeps a bounded series', () => {
    let xs: number[] = [];
    for (let i = 0; i < 100; i++) xs = pushPoint(xs, i, 10);
    expect(xs).toEqual([90, 91, 92, 93, 94, 95, 96, 97, 98, 99]);
  });
});

describe('histogram quantiles (the WMS sync duration)', () => {
  const scrape = (counts: number[]) => parsePrometheus(
    [0.5, 1, 10, 30, '+Inf'].map((le, i) => `ordo_wms_sync_seconds_bucket{le="${le}"} ${counts[i]}`).join('\n'));
  it('reads the buckets in order of their bounds', () => {
    expect(buckets(scrape([1, 2, 3, 4, 5]), 'ordo_wms_sync_seconds').map((b) => b.le)).toEqual([0.5, 1, 10, 30, Infinity]);
    expect(buckets(scrape([1, 2, 3, 4, 5]), 'ordo_other_seconds')).toEqual([]);
  });
  it('interpolates inside the bucket that holds the rank, as Prometheus does', () => {
    const bs = buckets(scrape([50, 90, 100, 100, 100]), 'ordo_wms_sync_seconds');
    expect(quantile(0.5, bs)).toBeCloseTo(0.5);
    expect(quantile(0.7, bs)).toBeCloseTo(0.5 + 0.5 * (20 / 40));
    expect(quantile(0.95, bs)).toBeCloseTo(1 + 9 * (5 / 10));
    expect(quantile(0.95, buckets(scrape([0, 0, 0, 0, 0]), 'ordo_wms_sync_seconds'))).toBeNull();
    expect(quantile(0.95, buckets(scrape([0, 0, 0, 0, 3]), 'ordo_wms_sync_seconds'))).toBe(30);
  });
  it('takes what happened between two scrapes: one slow sync after many fast ones raises the alert', () => {
    const before = buckets(scrape([40, 40, 40, 40, 40]), 'ordo_wms_sync_seconds');
    const after = buckets(scrape([40, 40, 40, 41, 41]), 'ordo_wms_sync_seconds');
    expect(quantile(0.95, after)).toBeLessThan(THRESHOLDS.syncSeconds);  // since the start: hidden by the fast ones
    const recent = quantile(0.95, bucketDelta(before, after));
    expect(recent).toBeGreaterThan(THRESHOLDS.syncSeconds);
    expect(alerts({ failureRatePct: null, syncSeconds: recent, discrepancies: null, queueDepth: null })).toEqual(['syncSeconds']);
    // A restarted server (counters reset): the new scrape alone.
    expect(bucketDelta(after, buckets(scrape([1, 1, 1, 1, 1]), 'ordo_wms_sync_seconds'))[0].count).toBe(1);
  });
});
