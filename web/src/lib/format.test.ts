import { describe, expect, it } from 'vitest';
import { cardToken, countdown, describeEvent, eventTone, luhn } from './format';

describe('countdown', () => {
  const t0 = Date.parse('2026-11-23T12:00:00Z');
  it('counts minutes and seconds down to the expiry', () => {
    expect(countdown('2026-11-23T12:30:00Z', t0)).toEqual({ text: '30:00', expired: false, seconds: 1800 });
    expect(countdown('2026-11-23T12:30:00Z', t0 + 1800_000 - 61_000).text).toBe('1:01');
    expect(countdown('2026-11-23T12:00:09Z', t0).text).toBe('0:09');
  });
  it('shows hours when more than an hour is left', () => {
    expect(countdown('2026-11-23T13:02:03Z', t0).text).toBe('1:02:03');
  });
  it('says expired at and after the end', () => {
    expect(countdown('2026-11-23T12:00:00Z', t0)).toMatchObject({ text: 'expired', expired: true });
    expect(countdown('2026-11-23T11:00:00Z', t0).expired).toBe(true);
  });
  it('survives a bad timestamp', () => {
    expect(countdown('nonsense', t0).text).toBe('—');
  });
});

describe('test cards', () => {
  it('maps the demo gateway cards to its tokens', () => {
    expect(cardToken('4242 4242 4242 4242')).toBe('tok_visa');
    expect(cardToken('4000-0000-0000-0002')).toBe('tok_decline');
    expect(cardToken('4242 4242 4242 4241')).toBeNull();   // fails the Luhn check
    expect(cardToken('12')).toBeNull();
    expect(luhn('79927398713')).toBe(true);
  });
});

describe('timeline text', () => {
  it('describes the events the timeline shows', () => {
    expect(describeEvent('order.status_changed', { from: 'pending', to: 'confirmed', actor: 'user:seller' })).toBe('pending → confirmed by user:seller');
    expect(describeEvent('job.dead', { kind: 'wms.push', attempts: 4, error: 'HTTP 503' })).toBe('wms.push gave up after 4 attempts: HTTP 503');
    expect(describeEvent('something.new', {})).toBe('');
    expect(eventTone('job.dead')).toBe('bad');
    expect(eventTone('order.paid')).toBe('ok');
    expect(eventTone('job.retried')).toBe('warn');
    expect(eventTone('order.created')).toBe('info');
  });
});
