// Server-Sent Events over fetch(): EventSource cannot send the bearer header, so the dashboard
// reads the stream itself. SseParser follows the WHATWG event-stream rules (fields, multi-line
// data, comments, CR / LF / CRLF line ends, chunks that cut anywhere); openStream reconnects with
// Last-Event-ID so that a dropped connection misses nothing and repeats nothing.

export interface SseMessage {
  id: string | null;   // the last id seen so far (persists across messages, as in the spec)
  event: string;       // "message" when no event field
  data: string;
}

export class SseParser {
  private buffer = '';
  private data: string[] = [];
  private event = '';
  private sawCr = false;
  lastEventId: string | null = null;
  comments = 0;

  // Feeds a chunk of text; returns the messages it completed.
  push(chunk: string): SseMessage[] {
    const out: SseMessage[] = [];
    let text = chunk;
    // A CR at the end of the last chunk may be the first half of a CRLF.
    if (this.sawCr && text.startsWith('\n')) text = text.slice(1);
    this.sawCr = false;
    this.buffer += text;
    for (;;) {
      const cr = this.buffer.indexOf('\r');
      const lf = this.buffer.indexOf('\n');
      if (cr < 0 && lf < 0) break;
      let end: number;
      let skip: number;
      if (cr >= 0 && (lf < 0 || cr < lf)) {
        end = cr;
        if (cr + 1 < this.buffer.length) skip = this.buffer[cr + 1] === '\n' ? 2 : 1;
        else { skip = 1; this.sawCr = true; }
      } else {
        end = lf;
        skip = 1;
      }
      const line = this.buffer.slice(0, end);
      this.buffer = this.buffer.slice(end + skip);
      const message = this.line(line);
      if (message) out.push(message);
    }
    return out;
  }

  private line(line: string): SseMessage | null {
    if (line === '') {
      if (this.data.length === 0) { this.event = ''; return null; }
      const message: SseMessage = { id: this.lastEventId, event: this.event || 'message', data: this.data.join('\n') };
      this.data = [];
      this.event = '';
      return message;
    }
    if (line.startsWith(':')) { this.comments++; return null; }
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    switch (field) {
      case 'data': this.data.push(value); break;
      case 'event': this.event = value; break;
      case 'id': if (!value.includes('\0')) this.lastEventId = value; break;
      default: break;  // retry and unknown fields: ignored
    }
    return null;
  }
}

export type StreamState = 'connecting' | 'open' | 'retrying' | 'closed' | 'denied';

export interface StreamOptions {
  url: string;
  token: () => string | null;
  onMessage: (m: SseMessage) => void;
  onState?: (s: StreamState, detail?: string) => void;
  lastEventId?: string | null;
  fetchImpl?: typeof fetch;
  // Delay before reconnect number `attempt` (1, 2, …): 0.5 s doubling up to 10 s by default.
  backoffMs?: (attempt: number) => number;
  sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
}

export function defaultBackoff(attempt: number): number {
  return Math.min(10_000, 500 * 2 ** Math.max(0, attempt - 1));
}

function abortableSleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const t = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => { clearTimeout(t); resolve(); }, { once: true });
  });
}

// Opens the stream and keeps it open until the returned function is called. A 401/403/404 ends it
// for good ("denied"); any other failure reconnects after a backoff, sending Last-Event-ID.
export function openStream(opts: StreamOptions): () => void {
  const controller = new AbortController();
  const doFetch = opts.fetchImpl ?? fetch.bind(globalThis);
  const backoff = opts.backoffMs ?? defaultBackoff;
  const sleep = opts.sleep ?? abortableSleep;
  let lastId = opts.lastEventId ?? null;
  const state = (s: StreamState, d?: string) => opts.onState?.(s, d);

  (async () => {
    let failures = 0;
    while (!controller.signal.aborted) {
      state(failures === 0 ? 'connecting' : 'retrying');
      try {
        const headers: Record<string, string> = { Accept: 'text/event-stream' };
        const t = opts.token();
        if (t) headers.Authorization = `Bearer ${t}`;
        if (lastId) headers['Last-Event-ID'] = lastId;
        const res = await doFetch(opts.url, { headers, signal: controller.signal, cache: 'no-store' });
        if (res.status === 401 || res.status === 403 || res.status === 404) {
          state('denied', `HTTP ${res.status}`);
          return;
        }
        if (!res.ok || !res.body) throw new Error(`HTTP ${res.status}`);
        state('open');
        failures = 0;
        const parser = new SseParser();
        parser.lastEventId = lastId;
        const reader = res.body.getReader();
        const decoder = new TextDecoder();
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          for (const m of parser.push(decoder.decode(value, { stream: true }))) {
            lastId = m.id;
            opts.onMessage(m);
          }
        }
        throw new Error('the stream ended');
      } catch (e) {
        if (controller.signal.aborted) break;
        failures++;
        state('retrying', (e as Error).message);
        await sleep(backoff(failures), controller.signal);
      }
    }
    state('closed');
  })();

  return () => controller.abort();
}
