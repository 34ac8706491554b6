import { describe, expect, it } from "vitest";
import { TextStream } from "./text-stream";

// Fake tokenizer: each token id maps to a fixed UTF-8 byte string; decoding the joined bytes
// produces U+FFFD for an incomplete multi-byte character, like llama.cpp does.
function fakeDetokenizer(pieces: Record<number, number[]>) {
  return (tokens: readonly number[]) => Buffer.from(tokens.flatMap((t) => pieces[t] ?? [])).toString("utf8");
}
const ascii = (s: string) => [...Buffer.from(s)];

describe("TextStream", () => {
  it("waits for a multi-token UTF-8 character before emitting it", () => {
    const euro = [...Buffer.from("€")]; // 3 bytes
    const stream = new TextStream(fakeDetokenizer({ 1: ascii("a"), 2: [euro[0]!], 3: [euro[1]!], 4: [euro[2]!] }), []);
    expect(stream.push(1)).toEqual({ text: "a", stopped: false });
    expect(stream.push(2).text).toBe("");
    expect(stream.push(3).text).toBe("");
    expect(stream.push(4).text).toBe("€");
  });

  it("holds back a possible stop-string prefix and cuts at the stop string", () => {
    const stream = new TextStream(fakeDetokenizer({ 1: ascii("hello "), 2: ascii("wor"), 3: ascii("ld!"), 4: ascii("END") }), ["world", "END"]);
    expect(stream.push(1)).toEqual({ text: "hello ", stopped: false });
    expect(stream.push(2)).toEqual({ text: "", stopped: false }); // "wor" may start "world"
    expect(stream.push(3)).toEqual({ text: "", stopped: true });
  });

  it("releases held text that turns out not to be a stop string", () => {
    const stream = new TextStream(fakeDetokenizer({ 1: ascii("wor"), 2: ascii("m") }), ["world"]);
    expect(stream.push(1).text).toBe("");
    expect(stream.push(2)).toEqual({ text: "worm", stopped: false });
    expect(stream.push(1).text).toBe("");
    expect(stream.flush()).toBe("wor");
  });

  it("stops at the earliest of several stop strings inside one piece", () => {
    const stream = new TextStream(fakeDetokenizer({ 1: ascii("ab STOP cd HALT") }), ["HALT", "STOP"]);
    expect(stream.push(1)).toEqual({ text: "ab ", stopped: true });
  });
});
