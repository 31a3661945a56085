import type { ServerResponse } from 'node:http';
import type { JSONRPCMessage, RequestId } from '@modelcontextprotocol/sdk/types.js';
import { messageEvent } from './sse-transport.js';

/** Events a POST stream keeps for a client that resumes it; older ones are let go first. */
const REPLAY_BYTES = 1024 * 1024;

/** The response of one POST that carried requests: it ends once each of them is answered. */
export interface PostStream {
  /** Event ids on this stream are `${key}-${n}`. */
  key: string;
  /** Where its events go now: the POST's response, or the GET that resumed it; none while lost. */
  res?: ServerResponse;
  unanswered: Set<RequestId>;
  /** Something was written: the headers are on their way. */
  started: boolean;
  /** It opened with an event id, so the client can resume it: it may be ended early. */
  primed: boolean;
  /** Events kept for a resume, oldest first; the first is number `first`. */
  events: string[];
  first: number;
  bytes: number;
  /** Running while the stream is lost: gives its requests up when the window closes. */
  lost?: NodeJS.Timeout;
}

export function newPostStream(key: string, requests: RequestId[]): PostStream {
  return { key, unanswered: new Set(requests), started: false, primed: false, events: [], first: 1, bytes: 0 };
}

/** Writes an event where the stream is now and, when streams are resumable, keeps it with its id. */
export function recordEvent(stream: PostStream, message: JSONRPCMessage, resumable: boolean): void {
  const event = messageEvent(message, resumable ? `${stream.key}-${stream.first + stream.events.length}` : undefined);
  if (stream.res && !stream.res.writableEnded) stream.res.write(event);
  if (!resumable) return;
  stream.events.push(event);
  stream.bytes += event.length;
  while (stream.bytes > REPLAY_BYTES && stream.events.length > 1) {
    stream.bytes -= stream.events.shift()!.length;
    stream.first++;
  }
}
