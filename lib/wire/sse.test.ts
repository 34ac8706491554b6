import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { eventData, sseData, SseEventTooLarge, SseSplitter } from "./sse";

describe("SseSplitter", () => {
  it("yields whole events across arbitrary chunk boundaries", () => {
    const s = new SseSplitter();
    const enc = new TextEncoder();
    const text = 'data: {"a":1}\n\ndata: {"b":"é"}\r\n\r\n: comment\n\ndata: [DONE]\n\n';
    const bytes = enc.encode(text);
    const out: string[] = [];
    for (let i = 0; i < bytes.length; i += 3) out.push(...s.push(bytes.slice(i, i + 3)));
    expect(out.map(eventData)).toEqual(['{"a":1}', '{"b":"é"}', null, "[DONE]"]);
  });
});

describe("SseSplitter against hostile streams", () => {
  const enc = new TextEncoder();
  const splitWhole = (text: string) => {
    const out: string[] = [];
    let rest = text;
    for (let m = /\r?\n\r?\n/.exec(rest); m; m = /\r?\n\r?\n/.exec(rest)) {
      out.push(rest.slice(0, m.index));
      rest = rest.slice(m.index + m[0].length);
    }
    return out;
  };

  it("yields the same events however the bytes are chunked (any mix of CR/LF separators)", () => {
    const piece = fc.constantFrom("data: x", "data: {\"a\":1}", "\n", "\r\n", "\r", ": c", "é", "");
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 40 }), fc.array(fc.integer({ min: 1, max: 7 }), { minLength: 1, maxLength: 10 }), (pieces, sizes) => {
        const text = pieces.join("");
        const bytes = enc.encode(text);
        const s = new SseSplitter();
        const out: string[] = [];
        for (let i = 0, k = 0; i < bytes.length; i += sizes[k++ % sizes.length]!) out.push(...s.push(bytes.slice(i, i + sizes[k % sizes.length]!)));
        expect(out).toEqual(splitWhole(text));
      }),
    );
  });

  it("scans a huge event without a blank line in linear time, then refuses it past the cap", () => {
    const s = new SseSplitter(4 * 1024 * 1024);
    const chunk = enc.encode("data: " + "x".repeat(16 * 1024 - 6));
    const started = performance.now();
    for (let i = 0; i < 255; i++) s.push(chunk); // ~4 MB in 16 KB chunks: quadratic rescans took seconds
    // A DoS bound, not a benchmark: the old splitter rescanned its whole buffer per chunk (14 CPU-seconds for 20 MB).
    expect(performance.now() - started).toBeLessThan(2_000);
    expect(() => {
      for (let i = 0; i < 10; i++) s.push(chunk);
    }).toThrow(SseEventTooLarge);
  });
});

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
