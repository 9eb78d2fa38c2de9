// Server-sent events (text/event-stream, WHATWG HTML §9.2): a response body read as it comes and cut
// into events. The parser (eventsource-parser) is loaded only when such an answer arrives.
import type { StreamReader } from './client.js';

export interface SseEvent {
  /** The `event:` field; undefined when the server named none (a "message"). */
  event: string | undefined;
  data: string;
  id: string | undefined;
}

/** The content type of an event stream (RFC 9110 media type, parameters ignored). */
export function isEventStream(headers: Record<string, string>): boolean {
  return /^text\/event-stream\s*(;|$)/i.test((headers['content-type'] ?? '').trim());
}

/**
 * A StreamReader that hands each complete event to `onEvent`, which returns true to stop reading
 * (e.g. once the awaited answer came). An event the stream broke off in the middle of is dropped,
 * as an EventSource does (§9.2.6: only a blank line dispatches).
 */
export async function sseReader(
  onEvent: (event: SseEvent) => boolean | void,
): Promise<StreamReader> {
  const { createParser } = await import('eventsource-parser');
  const decoder = new TextDecoder('utf-8');
  let stop = false;
  const parser = createParser({
    onEvent: (message) => {
      if (stop) return;
      stop = onEvent({ event: message.event, data: message.data, id: message.id }) === true;
    },
  });
  return (chunk) => {
    parser.feed(decoder.decode(chunk, { stream: true }));
    return stop;
  };
}
