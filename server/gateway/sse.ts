/** Splits a byte stream of Server-Sent Events into whole events (text before each blank line). */
export class SseSplitter {
  private buffer = "";
  private decoder = new TextDecoder();

  push(bytes: Uint8Array): string[] {
    this.buffer += this.decoder.decode(bytes, { stream: true });
    const events: string[] = [];
    let idx: number;
    while ((idx = this.buffer.search(/\r?\n\r?\n/)) !== -1) {
      const sep = this.buffer.startsWith("\r\n", idx) ? 4 : 2;
      events.push(this.buffer.slice(0, idx));
      this.buffer = this.buffer.slice(idx + sep);
    }
    return events;
  }
}

/** The `data:` payload of one event, or null for comments and other fields. */
export function eventData(event: string): string | null {
  let data: string | null = null;
  for (const line of event.split(/\r?\n/)) {
    if (line.startsWith("data:")) data = (data === null ? "" : data + "\n") + line.slice(line.startsWith("data: ") ? 6 : 5);
  }
  return data;
}
