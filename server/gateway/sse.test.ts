import { describe, expect, it } from "vitest";
import { eventData, SseSplitter } from "./sse";

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
