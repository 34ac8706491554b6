import { describe, expect, it } from "vitest";
import { sseData } from "./sse-reader";

function streamOf(chunks: string[]): ReadableStream<Uint8Array> {
  const enc = new TextEncoder();
  return new ReadableStream({
    start(c) {
      for (const chunk of chunks) c.enqueue(enc.encode(chunk));
      c.close();
    },
  });
}

async function all(chunks: string[]) {
  const out: string[] = [];
  for await (const d of sseData(streamOf(chunks))) out.push(d);
  return out;
}

describe("sseData", () => {
  it("splits events across arbitrary chunk boundaries and line endings", async () => {
    expect(await all(['data: {"a":', "1}\n\ndata: {\"b\":2}\r\n\r", "\n: keep-alive comment\n\ndata:[DONE]\n\n"])).toEqual(['{"a":1}', '{"b":2}', "[DONE]"]);
  });

  it("joins multi-line data, ignores other fields, keeps a final event without a blank line", async () => {
    expect(await all(["event: x\nid: 7\ndata: one\ndata: two\n\n", "data: tail"])).toEqual(["one\ntwo", "tail"]);
  });

  it("decodes UTF-8 split inside a character", async () => {
    const bytes = new TextEncoder().encode('data: {"t":"é€"}\n\n');
    const stream = new ReadableStream<Uint8Array>({
      start(c) {
        for (const b of bytes) c.enqueue(new Uint8Array([b]));
        c.close();
      },
    });
    const out: string[] = [];
    for await (const d of sseData(stream)) out.push(d);
    expect(out).toEqual(['{"t":"é€"}']);
  });
});
