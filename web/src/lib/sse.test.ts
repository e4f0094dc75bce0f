import { describe, expect, it } from 'vitest';
import { SseParser, openStream, type SseMessage, type StreamState } from './sse';

describe('SseParser', () => {
  it('parses id, event and data, and keeps the last id', () => {
    const p = new SseParser();
    const out = p.push('id: 42\nevent: order.created\ndata: {"seq":42}\n\n');
    expect(out).toEqual([{ id: '42', event: 'order.created', data: '{"seq":42}' }]);
    expect(p.lastEventId).toBe('42');
  });

  it('joins multi-line data and defaults the event name', () => {
    const out = new SseParser().push('data: a\ndata: b\n\n');
    expect(out).toEqual([{ id: null, event: 'message', data: 'a\nb' }]);
  });

  it('counts comments (heartbeats) and emits nothing for them', () => {
    const p = new SseParser();
    expect(p.push(': keep-alive\n\n: keep-alive\n\n')).toEqual([]);
    expect(p.comments).toBe(2);
  });

  it('handles chunks cut anywhere, including inside CRLF', () => {
    const text = 'id: 1\r\nevent: x\r\ndata: hello\r\n\r\nid: 2\r\ndata: world\r\n\r\n';
    for (let cut = 1; cut < text.length; cut++) {
      const p = new SseParser();
      const got = [...p.push(text.slice(0, cut)), ...p.push(text.slice(cut))];
      expect(got.map((m) => [m.id, m.data])).toEqual([['1', 'hello'], ['2', 'world']]);
    }
  });

  it('accepts bare CR line ends and a field without a space after the colon', () => {
    const out = new SseParser().push('id:7\revent:e\rdata:v\r\r');
    expect(out).toEqual([{ id: '7', event: 'e', data: 'v' }]);
  });

  it('does not emit an event without data, and ignores unknown fields', () => {
    const p = new SseParser();
    expect(p.push('event: lonely\n\nretry: 100\nfoo: bar\ndata: x\n\n')).toEqual([{ id: null, event: 'message', data: 'x' }]);
  });
});

// A fetch that answers each call with the next scripted response.
function scriptedFetch(responses: ((headers: Record<string, string>) => Response | Error)[]) {
  const calls: Record<string, string>[] = [];
  const impl = (async (_url: string, init: RequestInit) => {
    const headers = init.headers as Record<string, string>;
    calls.push(headers);
    const next = responses[Math.min(calls.length - 1, responses.length - 1)];
    const r = next(headers);
    if (r instanceof Error) throw r;
    return r;
  }) as unknown as typeof fetch;
  return { impl, calls };
}

function body(text: string, hang = false): Response {
  const stream = new ReadableStream<Uint8Array>({
    start(c) {
      c.enqueue(new TextEncoder().encode(text));
      if (!hang) c.close();
    },
  });
  return new Response(stream, { status: 200, headers: { 'Content-Type': 'text/event-stream' } });
}

async function until(cond: () => boolean, ms = 2000) {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 5));
  }
}

describe('openStream', () => {
  it('sends the token, resumes with Last-Event-ID after a drop, and delivers each event once', async () => {
    const { impl, calls } = scriptedFetch([
      () => body('id: 1\ndata: a\n\nid: 2\ndata: b\n\n'),       // then the connection ends
      () => new Error('connection refused'),                     // a failed reconnect
      () => body('id: 3\ndata: c\n\n: keep-alive\n\n', true),   // resumes after 2
    ]);
    const got: SseMessage[] = [];
    const states: StreamState[] = [];
    const delays: number[] = [];
    const close = openStream({
      url: '/v1/events/stream', token: () => 'T', fetchImpl: impl,
      onMessage: (m) => got.push(m), onState: (s) => states.push(s),
      backoffMs: (n) => { delays.push(n); return 1; },
    });
    await until(() => got.length === 3);
    close();
    expect(got.map((m) => m.data)).toEqual(['a', 'b', 'c']);
    expect(calls[0].Authorization).toBe('Bearer T');
    expect(calls[0]['Last-Event-ID']).toBeUndefined();
    expect(calls[1]['Last-Event-ID']).toBe('2');
    expect(calls[2]['Last-Event-ID']).toBe('2');
    expect(delays).toEqual([1, 2]);          // backoff grows while failing
    expect(states).toContain('open');
    expect(states).toContain('retrying');
  });

  it('stops for good on 404 (an order the caller may not see)', async () => {
    const { impl, calls } = scriptedFetch([() => new Response('{}', { status: 404 })]);
    const states: StreamState[] = [];
    openStream({ url: '/v1/orders/x/stream', token: () => 'T', fetchImpl: impl, onMessage: () => {}, onState: (s) => states.push(s), backoffMs: () => 1 });
    await until(() => states.includes('denied'));
    await new Promise((r) => setTimeout(r, 30));
    expect(calls.length).toBe(1);
  });

  it('starts from a given Last-Event-ID', async () => {
    const { impl, calls } = scriptedFetch([() => body('', true)]);
    const close = openStream({ url: '/s', token: () => null, fetchImpl: impl, onMessage: () => {}, lastEventId: '99' });
    await until(() => calls.length === 1);
    close();
    expect(calls[0]['Last-Event-ID']).toBe('99');
    expect(calls[0].Authorization).toBeUndefined();
  });
});
