// text/event-stream cut into events as the bytes come (WHATWG HTML §9.2.6), in process.
import { describe, expect, it } from 'vitest';
import { isEventStream, sseReader, type SseEvent } from '../../src/http/sse.js';

async function feed(chunks: (string | Buffer)[], stopAfter?: number) {
  const events: SseEvent[] = [];
  const reader = await sseReader((e) => {
    events.push(e);
    return stopAfter !== undefined && events.length >= stopAfter;
  });
  const stops = chunks.map((c) => reader(typeof c === 'string' ? Buffer.from(c) : c));
  return { events, stops };
}

describe('sseReader', () => {
  it('events split anywhere, even inside a UTF-8 character and a CRLF, come out whole', async () => {
    const bytes = Buffer.from('event: a\r\ndata: h\u00e9llo\r\n\r\nid: 7\ndata: x\ndata: y\n\n');
    const cut = [3, 17, 18, 24, 25, 40].reduce<{ at: number; parts: Buffer[] }>(
      (acc, n) => ({ at: n, parts: [...acc.parts, bytes.subarray(acc.at, n)] }),
      { at: 0, parts: [] },
    );
    const { events } = await feed([...cut.parts, bytes.subarray(cut.at)]);
    expect(events).toEqual([
      { event: 'a', data: 'h\u00e9llo', id: undefined },
      { event: undefined, data: 'x\ny', id: '7' },
    ]);
  });

  it('comments are skipped; an event the stream broke off in is not dispatched', async () => {
    const { events } = await feed([': keep-alive\n\ndata: 1\n\ndata: half']);
    expect(events.map((e) => e.data)).toEqual(['1']);
  });

  it('returns true once the callback asked to stop, and hands on nothing after', async () => {
    const { events, stops } = await feed(['data: 1\n\ndata: 2\n\n', 'data: 3\n\n'], 1);
    expect(events.map((e) => e.data)).toEqual(['1']);
    expect(stops).toEqual([true, true]);
  });
});

describe('isEventStream', () => {
  it('the media type, with parameters and any case; nothing else', () => {
    expect(isEventStream({ 'content-type': 'text/event-stream' })).toBe(true);
    expect(isEventStream({ 'content-type': 'Text/Event-Stream; charset=utf-8' })).toBe(true);
    expect(isEventStream({ 'content-type': 'text/event-streamx' })).toBe(false);
    expect(isEventStream({})).toBe(false);
  });
});
