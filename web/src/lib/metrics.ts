// Prometheus text format (what /metrics answers) → samples, and what the System view derives from
// two scrapes: rates, the failure rate, and seed 000's alert thresholds.

export interface Sample { name: string; labels: Record<string, string>; value: number }

export function parsePrometheus(text: string): Sample[] {
  const out: Sample[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    let name: string;
    let labels: Record<string, string> = {};
    let rest: string;
    const brace = line.indexOf('{');
    const space = line.indexOf(' ');
    if (brace >= 0 && (space < 0 || brace < space)) {
      name = line.slice(0, brace);
      const close = findClose(line, brace);
      labels = parseLabels(line.slice(brace + 1, close));
      rest = line.slice(close + 1).trim();
    } else {
      name = line.slice(0, space);
      rest = line.slice(space + 1).trim();
    }
    const valueText = rest.split(/\s+/)[0];
    const value = valueText === '+Inf' ? Infinity : valueText === '-Inf' ? -Infinity : Number(valueText);
    if (!name || Number.isNaN(value) && valueText !== 'NaN') continue;
    out.push({ name, labels, value });
  }
  return out;
}

function findClose(line: string, open: number): number {
  let quoted = false;
  for (let i = open + 1; i < line.length; i++) {
    const c = line[i];
    if (quoted) {
      if (c === '\\') i++;
      else if (c === '"') quoted = false;
    } else if (c === '"') quoted = true;
    else if (c === '}') return i;
  }
  return line.length;
}

function parseLabels(text: string): Record<string, string> {
  const labels: Record<string, string> = {};
  const re = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(text))) labels[m[1]] = m[2].replace(/\\n/g, '\n').replace(/\\"/g, '"').replace(/\\\\/g, '\\');
  return labels;
}

// The sum of every sample of `name` whose labels include `match`.
export function sum(samples: Sample[], name: string, match: Record<string, string> = {}): number {
  let total = 0;
  for (const s of samples) {
    if (s.name !== name) continue;
    if (Object.entries(match).every(([k, v]) => s.labels[k] === v)) total += s.value;
  }
  return total;
}

// Per-second rate of a counter between two scrapes; a counter reset counts from zero.
export function rate(before: number, after: number, seconds: number): number {
  if (seconds <= 0) return 0;
  const delta = after >= before ? after - before : after;
  return delta / seconds;
}

// Seed 000's alert thresholds.
export const THRESHOLDS = {
  failureRatePct: 5,     // failure rate > 5 %
  syncSeconds: 10,       // sync duration > 10 s
  discrepancies: 10,     // reconciliation discrepancies > 10
  queueDepth: 1000,      // queue depth > 1000
} as const;

export interface Health {
  failureRatePct: number | null;
  syncSeconds: number | null;
  discrepancies: number | null;
  queueDepth: number | null;
}

export type AlertKey = keyof Health;

// The alerts that fire: each value strictly above its threshold (null = unknown, never fires).
export function alerts(h: Health): AlertKey[] {
  const out: AlertKey[] = [];
  if (h.failureRatePct !== null && h.failureRatePct > THRESHOLDS.failureRatePct) out.push('failureRatePct');
  if (h.syncSeconds !== null && h.syncSeconds > THRESHOLDS.syncSeconds) out.push('syncSeconds');
  if (h.discrepancies !== null && h.discrepancies > THRESHOLDS.discrepancies) out.push('discrepancies');
  if (h.queueDepth !== null && h.queueDepth > THRESHOLDS.queueDepth) out.push('queueDepth');
  return out;
}

// Failure rate in % of `failed` among `failed + succeeded` (null when neither happened).
export function failureRate(failed: number, succeeded: number): number | null {
  const total = failed + succeeded;
  if (total <= 0) return null;
  return (100 * failed) / total;
}

// A bounded series for the small charts: keeps the last `max` points.
export function pushPoint(series: number[], value: number, max = 60): number[] {
  const next = series.length >= max ? series.slice(series.length - max + 1) : series.slice();
  next.push(value);
  return next;
}

// A histogram's cumulative buckets (name_bucket{le=…}), sorted by bound.
export interface Bucket { le: number; count: number }
export function buckets(samples: Sample[], name: string): Bucket[] {
  return samples
    .filter((s) => s.name === `${name}_bucket` && s.labels.le !== undefined)
    .map((s) => ({ le: s.labels.le === '+Inf' ? Infinity : Number(s.labels.le), count: s.value }))
    .sort((a, b) => a.le - b.le);
}

// What was observed between two scrapes (a counter reset: everything in `after`).
export function bucketDelta(before: Bucket[], after: Bucket[]): Bucket[] {
  const total = (b: Bucket[]) => (b.length ? b[b.length - 1].count : 0);
  if (total(after) < total(before)) return after;
  return after.map((b) => ({ le: b.le, count: b.count - (before.find((x) => x.le === b.le)?.count ?? 0) }));
}

// Prometheus's histogram_quantile: linear inside the bucket that holds the q-th observation;
// in the +Inf bucket, the highest finite bound. Null when nothing was observed.
export function quantile(q: number, bs: Bucket[]): number | null {
  if (bs.length === 0) return null;
  const total = bs[bs.length - 1].count;
  if (total <= 0) return null;
  const rank = q * total;
  let lower = 0;
  let below = 0;
  for (const b of bs) {
    if (b.count >= rank) {
      if (b.le === Infinity) return lower;
      const inBucket = b.count - below;
      return inBucket <= 0 ? b.le : lower + ((b.le - lower) * (rank - below)) / inBucket;
    }
    lower = b.le;
    below = b.count;
  }
  return lower;
}
