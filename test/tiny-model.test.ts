import { mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { readGgufFileInfo } from "node-llama-cpp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TINY, TINY_MODEL_ID, buildTinyModelGguf, makeTinyModel } from "./tiny-model";

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "spotlane-tiny-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("makeTinyModel", () => {
  it("writes a GGUF v3 llama model that node-llama-cpp parses", async () => {
    const { path, modelId } = await makeTinyModel(join(dir, "m.gguf"));
    expect(modelId).toBe(TINY_MODEL_ID);
    const info = await readGgufFileInfo(path);
    expect(info.version).toBe(3);
    const meta = info.metadata;
    expect(meta.general.architecture).toBe("llama");
    expect(meta.general.name).toBe("spotlane-tiny-llama");
    expect(meta.general.alignment).toBe(32);
    const llama = meta.llama!;
    expect(llama.embedding_length).toBe(TINY.n_embd);
    expect(llama.block_count).toBe(TINY.n_layer);
    expect(llama.context_length).toBe(TINY.context_length);
    expect(llama.attention.head_count).toBe(TINY.n_head);
    expect(llama.attention.head_count_kv).toBe(TINY.n_head_kv);
    expect(llama.rope?.dimension_count).toBe(TINY.n_embd / TINY.n_head);

    const tok = meta.tokenizer;
    expect(tok.ggml.model).toBe("llama");
    const tokens = tok.ggml.tokens;
    const types = tok.ggml.token_type as readonly number[];
    expect(tokens.slice(0, 3)).toEqual(["<unk>", "<s>", "</s>"]);
    expect(tokens.indexOf("<0x00>")).toBe(3);
    expect(tokens.indexOf("<0xFF>")).toBe(258);
    expect(types.slice(3, 259).every((t) => t === 6)).toBe(true);
    const imEnd = tokens.indexOf("<|im_end|>");
    expect(imEnd).toBeGreaterThan(258);
    expect(types[imEnd]).toBe(3);
    expect(types[tokens.indexOf("<|im_start|>")]).toBe(3);
    expect(tok.ggml.eos_token_id).toBe(imEnd);
    expect(tok.ggml.bos_token_id).toBe(1);
    expect(tokens.length).toBeGreaterThan(259 + 200);
    expect(tok.chat_template).toContain("<|im_start|>");

    const names = new Set(info.tensorInfo!.map((t) => t.name));
    for (const name of ["token_embd.weight", "output_norm.weight", "output.weight"]) expect(names).toContain(name);
    for (let layer = 0; layer < TINY.n_layer; layer++) {
      for (const part of ["attn_norm", "attn_q", "attn_k", "attn_v", "attn_output", "ffn_norm", "ffn_gate", "ffn_up", "ffn_down"]) {
        expect(names).toContain(`blk.${layer}.${part}.weight`);
      }
    }
    const embd = info.tensorInfo!.find((t) => t.name === "token_embd.weight")!;
    expect(embd.dimensions.map(Number)).toEqual([TINY.n_embd, tokens.length]); // ne[0] = n_embd
    for (const t of info.tensorInfo!) expect(Number(t.offset) % 32).toBe(0);
  });

  it("is deterministic for a seed and differs across seeds", async () => {
    const a = await makeTinyModel(join(dir, "a.gguf"));
    const b = await makeTinyModel(join(dir, "b.gguf"));
    const c = await makeTinyModel(join(dir, "c.gguf"), { seed: 7 });
    expect(a.sha256).toBe(b.sha256);
    expect(c.sha256).not.toBe(a.sha256);
    expect(buildTinyModelGguf().equals(await readFile(a.path))).toBe(true);
  });

  it("is idempotent: an identical file is left alone, a different one is replaced", async () => {
    const path = join(dir, "idem.gguf");
    const first = await makeTinyModel(path);
    const mtimeBefore = (await stat(path)).mtimeMs;
    await new Promise((r) => setTimeout(r, 20));
    const second = await makeTinyModel(path);
    expect(second.sha256).toBe(first.sha256);
    expect((await stat(path)).mtimeMs).toBe(mtimeBefore);

    await writeFile(path, "corrupt");
    const third = await makeTinyModel(path);
    expect(third.sha256).toBe(first.sha256);
    expect(buildTinyModelGguf().equals(await readFile(path))).toBe(true);
  });

  it("survives concurrent callers writing the same path", async () => {
    const path = join(dir, "concurrent.gguf");
    const results = await Promise.all(Array.from({ length: 4 }, () => makeTinyModel(path)));
    expect(new Set(results.map((r) => r.sha256)).size).toBe(1);
    expect(buildTinyModelGguf().equals(await readFile(path))).toBe(true);
  });
});
