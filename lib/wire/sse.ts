// Server-Sent Events (WHATWG HTML "server-sent events") as OpenAI-compatible engines stream them: one
// JSON chunk per event, ending with `data: [DONE]`. One parser for the gateway relay, the canary sender
// and the agent's external-engine readers.

/** A provider's single SSE event may not exceed this (a chunk with logprobs is a few KB; tool calls a few hundred). */
export const MAX_SSE_EVENT_BYTES = 1024 * 1024;

export class SseEventTooLarge extends Error {
  constructor(readonly limit_bytes: number) {
    super(`an event exceeded ${limit_bytes} bytes without ending`);
    this.name = "SseEventTooLarge";
  }
}

/**
 * Splits a byte stream of Server-Sent Events into whole events (text before each blank line).
 * Scans incrementally: each character is looked at a bounded number of times however the stream is
 * chunked, so a huge event with no blank line costs linear time, and past `max_event_bytes` it is refused.
 */
export class SseSplitter {
  /** Text of the event in progress, as received: joined only once its end is found, so no byte is rescanned. */
  private parts: string[] = [];
  private pending_chars = 0;
  /** The last few characters of `parts`: a separator may straddle two chunks. */
  private tail = "";
  private decoder = new TextDecoder();

  constructor(private max_event_bytes = MAX_SSE_EVENT_BYTES) {}

  push(bytes: Uint8Array): string[] {
    let text = this.decoder.decode(bytes, { stream: true });
    const events: string[] = [];
    for (let found = findSeparator(this.tail + text); found; found = findSeparator(this.tail + text)) {
      // Where the separator starts, counted in `text`; negative when it starts inside the tail.
      const cut = found.index - this.tail.length;
      const pending = this.parts.join("");
      events.push(cut >= 0 ? pending + text.slice(0, cut) : pending.slice(0, pending.length + cut));
      // The separator ends in `text`: the tail alone never holds a whole one.
      text = text.slice(cut + found.length);
      this.parts = [];
      this.pending_chars = 0;
      this.tail = "";
    }
    if (text.length > 0) {
      this.parts.push(text);
      this.pending_chars += text.length;
      this.tail = (this.tail + text).slice(-3);
    }
    // Characters, not bytes: within a factor of 4, and exact for the ASCII that SSE JSON mostly is.
    if (this.pending_chars > this.max_event_bytes) throw new SseEventTooLarge(this.max_event_bytes);
    return events;
  }

  /** The `data:` payloads of the whole events in `bytes`; comments and events without data are dropped. */
  pushData(bytes: Uint8Array): string[] {
    return this.push(bytes).map(eventData).filter((d): d is string => d !== null);
  }

  /** At the end of the stream: the data of a last event that no blank line closed, if any. */
  finishData(): string | null {
    const rest = this.parts.join("") + this.decoder.decode();
    this.parts = [];
    this.pending_chars = 0;
    this.tail = "";
    return rest === "" ? null : eventData(rest);
  }
}

/** Yields each event's data (multi-line data joined with "\n"), the last one even without a closing blank line. */
export async function* sseData(body: ReadableStream<Uint8Array> | AsyncIterable<Uint8Array>, max_event_bytes = MAX_SSE_EVENT_BYTES): AsyncGenerator<string> {
  const splitter = new SseSplitter(max_event_bytes);
  for await (const bytes of "getReader" in body ? chunksOf(body) : body) yield* splitter.pushData(bytes);
  const last = splitter.finishData();
  if (last !== null) yield last;
}

/** A web stream's chunks (the DOM typings give ReadableStream no async iterator); the lock is released however the loop ends. */
async function* chunksOf(body: ReadableStream<Uint8Array>): AsyncGenerator<Uint8Array> {
  const reader = body.getReader();
  try {
    for (let r = await reader.read(); !r.done; r = await reader.read()) yield r.value;
  } finally {
    reader.releaseLock();
  }
}

/** The first blank line (`\n\n`, `\r\n\r\n`, or mixed). */
function findSeparator(s: string): { index: number; length: number } | null {
  for (let i = s.indexOf("\n"); i !== -1; i = s.indexOf("\n", i + 1)) {
    if (s[i + 1] === "\n") return { index: s[i - 1] === "\r" ? i - 1 : i, length: s[i - 1] === "\r" ? 3 : 2 };
    if (s[i + 1] === "\r" && s[i + 2] === "\n") return { index: s[i - 1] === "\r" ? i - 1 : i, length: s[i - 1] === "\r" ? 4 : 3 };
  }
  return null;
}

/** The `data:` payload of one event, or null for comments and other fields. */
export function eventData(event: string): string | null {
  let data: string | null = null;
  for (const line of event.split(/\r?\n/)) {
    if (line.startsWith("data:")) data = (data === null ? "" : data + "\n") + line.slice(line.startsWith("data: ") ? 6 : 5);
  }
  return data;
}
