// A tiny random-weight llama model written as GGUF v3, so tests and demos can run real
// llama.cpp inference without downloading anything. Deterministic from a seed: the same
// seed always produces byte-identical files (the marketplace fingerprints models by output).
import { createHash, randomUUID } from "node:crypto";
import { mkdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import { dirname } from "node:path";

export const TINY_MODEL_ID = "spotlane-tiny-llama:f32";
export const TINY_MODEL_NAME = "spotlane-tiny-llama";

// Shape. Small enough to generate at ~1,000+ tokens/s on one CPU thread.
export const TINY = {
  n_embd: 64,
  n_layer: 2,
  n_head: 4,
  n_head_kv: 4,
  n_ff: 128,
  context_length: 2048,
  rms_eps: 1e-5,
  rope_freq_base: 10000,
  alignment_bytes: 32,
} as const;

const DEFAULT_SEED = 0x5eed;

// llama.cpp token types (llama_token_type / GgufMetadataTokenizerTokenType).
const TOKEN_NORMAL = 1;
const TOKEN_UNKNOWN = 2;
const TOKEN_CONTROL = 3;
const TOKEN_BYTE = 6;

// Residual dimension 0 is a constant "bias" channel: every embedding holds BIAS_VALUE there and
// no layer writes to it, so after the final RMS norm it is always positive. Output rows of
// control/byte tokens get a large negative weight on it, so greedy and sampled generations never
// emit EOS or stray bytes: every request runs to max_tokens (predictable for load tests) and
// the text is printable word pieces.
const BIAS_VALUE = 3;
const SUPPRESS_WEIGHT = -8;

const CHATML_TEMPLATE =
  "{% for message in messages %}{{ '<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n' }}{% endfor %}" +
  "{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}";

// Common English words; each is added with all its "▁"-prefixed prefixes so the SPM merge
// tokenizer can actually reach them from single characters.
const WORDS = (
  "the of and to in is you that it he was for on are as with his they at be this have from or one had by " +
  "word but not what all were we when your can said there use an each which she do how their if will up " +
  "other about out many then them these so some her would make like him into time has look two more write go " +
  "see number no way could people my than first water been call who oil its now find long down day did get " +
  "come made may part over new sound take only little work know place year live me back give most very after " +
  "thing our just name good sentence man think say great where help through much before line right too mean " +
  "old any same tell boy follow came want show also around form three small set put end does another well " +
  "large must big even such because turn here why ask went men read need land different home us move try " +
  "kind hand picture again change off play spell air away animal house point page letter mother answer found " +
  "study still learn should world high every near add food between own below country plant last school father " +
  "keep tree never start city earth eye light thought head under story saw left few while along might close " +
  "something seem next hard open example begin life always those both paper together got group often run " +
  "market price spot lane model token fast cheap"
).split(" ");

const SPM_SPACE = "\u2581"; // "▁": SentencePiece's visible space

type Vocab = { tokens: string[]; scores: number[]; types: number[]; bos: number; eos: number; unk: number };

function buildVocab(): Vocab {
  const tokens: string[] = [];
  const scores: number[] = [];
  const types: number[] = [];
  const seen = new Set<string>();
  const add = (piece: string, type: number, score: number) => {
    if (seen.has(piece)) return;
    seen.add(piece);
    tokens.push(piece);
    types.push(type);
    scores.push(score);
  };
  add("<unk>", TOKEN_UNKNOWN, 0);
  add("<s>", TOKEN_CONTROL, 0);
  add("</s>", TOKEN_CONTROL, 0);
  for (let byte = 0; byte < 256; byte++) {
    add(`<0x${byte.toString(16).toUpperCase().padStart(2, "0")}>`, TOKEN_BYTE, 0);
  }
  // SentencePiece convention: higher score = merged earlier; rank order gives -rank.
  let rank = 0;
  const addNormal = (piece: string) => add(piece, TOKEN_NORMAL, -rank++);
  addNormal(SPM_SPACE);
  const chars = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.,!?'\"-:;()";
  for (const ch of chars) addNormal(ch);
  for (const ch of "abcdefghijklmnopqrstuvwxyz") addNormal(SPM_SPACE + ch);
  for (const word of WORDS) {
    for (let len = 2; len <= word.length; len++) addNormal(SPM_SPACE + word.slice(0, len));
  }
  add("<|im_start|>", TOKEN_CONTROL, 0);
  add("<|im_end|>", TOKEN_CONTROL, 0);
  return { tokens, scores, types, bos: 1, eos: tokens.indexOf("<|im_end|>"), unk: 0 };
}

// mulberry32: tiny, fast, and good enough for weights; Box-Muller for normals.
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function normalSampler(seed: number): () => number {
  const uniform = mulberry32(seed);
  return () => {
    const u1 = Math.max(uniform(), 1e-12);
    const u2 = uniform();
    return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
  };
}

type Tensor = { name: string; dims: number[]; data: Float32Array };

// dims follow GGUF order: dims[0] (ne0) is the fastest-moving axis, i.e. the input width of a
// weight matrix; element (i0, i1) lives at i1 * dims[0] + i0.
function buildTensors(vocab: Vocab, seed: number): Tensor[] {
  const normal = normalSampler(seed);
  const { n_embd, n_ff, n_layer } = TINY;
  const n_vocab = vocab.tokens.length;
  const random = (dims: number[], std: number): Float32Array => {
    const size = dims.reduce((a, b) => a * b, 1);
    const data = new Float32Array(size);
    for (let i = 0; i < size; i++) data[i] = normal() * std;
    return data;
  };
  const ones = (n: number) => new Float32Array(n).fill(1);
  // Keep residual row 0 (the bias channel) untouched by any layer output.
  const zeroOutputRow0 = (data: Float32Array, inputWidth: number) => data.fill(0, 0, inputWidth);

  const tokenEmbd = random([n_embd, n_vocab], 1);
  for (let v = 0; v < n_vocab; v++) tokenEmbd[v * n_embd] = BIAS_VALUE;

  const tensors: Tensor[] = [{ name: "token_embd.weight", dims: [n_embd, n_vocab], data: tokenEmbd }];
  // std ≈ 1/sqrt(fan_in), halved on residual writes: activations stay O(1) and finite.
  const projStd = 1 / Math.sqrt(n_embd);
  for (let layer = 0; layer < n_layer; layer++) {
    const p = `blk.${layer}.`;
    const attnOut = random([n_embd, n_embd], projStd * 0.5);
    zeroOutputRow0(attnOut, n_embd);
    const ffnDown = random([n_ff, n_embd], (1 / Math.sqrt(n_ff)) * 0.5);
    zeroOutputRow0(ffnDown, n_ff);
    tensors.push(
      { name: `${p}attn_norm.weight`, dims: [n_embd], data: ones(n_embd) },
      { name: `${p}attn_q.weight`, dims: [n_embd, n_embd], data: random([n_embd, n_embd], projStd) },
      { name: `${p}attn_k.weight`, dims: [n_embd, n_embd], data: random([n_embd, n_embd], projStd) },
      { name: `${p}attn_v.weight`, dims: [n_embd, n_embd], data: random([n_embd, n_embd], projStd) },
      { name: `${p}attn_output.weight`, dims: [n_embd, n_embd], data: attnOut },
      { name: `${p}ffn_norm.weight`, dims: [n_embd], data: ones(n_embd) },
      { name: `${p}ffn_gate.weight`, dims: [n_embd, n_ff], data: random([n_embd, n_ff], projStd) },
      { name: `${p}ffn_up.weight`, dims: [n_embd, n_ff], data: random([n_embd, n_ff], projStd) },
      { name: `${p}ffn_down.weight`, dims: [n_ff, n_embd], data: ffnDown },
    );
  }
  const output = random([n_embd, n_vocab], projStd);
  for (let v = 0; v < n_vocab; v++) {
    const suppressed = vocab.types[v] !== TOKEN_NORMAL;
    output[v * n_embd] = suppressed ? SUPPRESS_WEIGHT : 0;
  }
  tensors.push(
    { name: "output_norm.weight", dims: [n_embd], data: ones(n_embd) },
    { name: "output.weight", dims: [n_embd, n_vocab], data: output },
  );
  return tensors;
}

// --- GGUF v3 serialisation ------------------------------------------------------------------

const GGUF_UINT32 = 4;
const GGUF_INT32 = 5;
const GGUF_FLOAT32 = 6;
const GGUF_BOOL = 7;
const GGUF_STRING = 8;
const GGUF_ARRAY = 9;
const GGML_TYPE_F32 = 0;
const GGUF_FILE_TYPE_ALL_F32 = 0;

type MetaValue =
  | { type: "u32"; value: number }
  | { type: "f32"; value: number }
  | { type: "bool"; value: boolean }
  | { type: "str"; value: string }
  | { type: "str[]"; value: string[] }
  | { type: "f32[]"; value: number[] }
  | { type: "i32[]"; value: number[] };

class ByteWriter {
  private chunks: Buffer[] = [];
  length = 0;
  private push(buf: Buffer) {
    this.chunks.push(buf);
    this.length += buf.length;
  }
  u32(v: number) {
    const b = Buffer.alloc(4);
    b.writeUInt32LE(v);
    this.push(b);
  }
  i32(v: number) {
    const b = Buffer.alloc(4);
    b.writeInt32LE(v);
    this.push(b);
  }
  u64(v: number) {
    const b = Buffer.alloc(8);
    b.writeBigUInt64LE(BigInt(v));
    this.push(b);
  }
  f32(v: number) {
    const b = Buffer.alloc(4);
    b.writeFloatLE(v);
    this.push(b);
  }
  u8(v: number) {
    this.push(Buffer.from([v]));
  }
  str(s: string) {
    const bytes = Buffer.from(s, "utf8");
    this.u64(bytes.length);
    this.push(bytes);
  }
  raw(buf: Buffer) {
    this.push(buf);
  }
  padTo(alignment: number) {
    const pad = (alignment - (this.length % alignment)) % alignment;
    if (pad > 0) this.push(Buffer.alloc(pad));
  }
  toBuffer() {
    return Buffer.concat(this.chunks, this.length);
  }
}

function writeMeta(w: ByteWriter, key: string, meta: MetaValue) {
  w.str(key);
  switch (meta.type) {
    case "u32":
      w.u32(GGUF_UINT32);
      w.u32(meta.value);
      return;
    case "f32":
      w.u32(GGUF_FLOAT32);
      w.f32(meta.value);
      return;
    case "bool":
      w.u32(GGUF_BOOL);
      w.u8(meta.value ? 1 : 0);
      return;
    case "str":
      w.u32(GGUF_STRING);
      w.str(meta.value);
      return;
    case "str[]":
      w.u32(GGUF_ARRAY);
      w.u32(GGUF_STRING);
      w.u64(meta.value.length);
      for (const s of meta.value) w.str(s);
      return;
    case "f32[]":
      w.u32(GGUF_ARRAY);
      w.u32(GGUF_FLOAT32);
      w.u64(meta.value.length);
      for (const v of meta.value) w.f32(v);
      return;
    case "i32[]":
      w.u32(GGUF_ARRAY);
      w.u32(GGUF_INT32);
      w.u64(meta.value.length);
      for (const v of meta.value) w.i32(v);
      return;
  }
}

/** Serialises the tiny model to GGUF v3 bytes. Pure: same seed, same bytes. */
export function buildTinyModelGguf(seed: number = DEFAULT_SEED): Buffer {
  const vocab = buildVocab();
  const tensors = buildTensors(vocab, seed);
  const t = TINY;
  const metadata: [string, MetaValue][] = [
    ["general.architecture", { type: "str", value: "llama" }],
    ["general.name", { type: "str", value: TINY_MODEL_NAME }],
    ["general.alignment", { type: "u32", value: t.alignment_bytes }],
    ["general.file_type", { type: "u32", value: GGUF_FILE_TYPE_ALL_F32 }],
    ["llama.vocab_size", { type: "u32", value: vocab.tokens.length }],
    ["llama.context_length", { type: "u32", value: t.context_length }],
    ["llama.embedding_length", { type: "u32", value: t.n_embd }],
    ["llama.block_count", { type: "u32", value: t.n_layer }],
    ["llama.feed_forward_length", { type: "u32", value: t.n_ff }],
    ["llama.attention.head_count", { type: "u32", value: t.n_head }],
    ["llama.attention.head_count_kv", { type: "u32", value: t.n_head_kv }],
    ["llama.rope.dimension_count", { type: "u32", value: t.n_embd / t.n_head }],
    ["llama.rope.freq_base", { type: "f32", value: t.rope_freq_base }],
    ["llama.attention.layer_norm_rms_epsilon", { type: "f32", value: t.rms_eps }],
    ["tokenizer.ggml.model", { type: "str", value: "llama" }],
    ["tokenizer.ggml.tokens", { type: "str[]", value: vocab.tokens }],
    ["tokenizer.ggml.scores", { type: "f32[]", value: vocab.scores }],
    ["tokenizer.ggml.token_type", { type: "i32[]", value: vocab.types }],
    ["tokenizer.ggml.bos_token_id", { type: "u32", value: vocab.bos }],
    ["tokenizer.ggml.eos_token_id", { type: "u32", value: vocab.eos }],
    ["tokenizer.ggml.unknown_token_id", { type: "u32", value: vocab.unk }],
    ["tokenizer.ggml.add_bos_token", { type: "bool", value: true }],
    ["tokenizer.ggml.add_eos_token", { type: "bool", value: false }],
    ["tokenizer.chat_template", { type: "str", value: CHATML_TEMPLATE }],
  ];

  const w = new ByteWriter();
  w.raw(Buffer.from("GGUF", "ascii"));
  w.u32(3); // version
  w.u64(tensors.length);
  w.u64(metadata.length);
  for (const [key, value] of metadata) writeMeta(w, key, value);

  // Tensor infos carry offsets relative to the (aligned) start of the data section.
  let dataOffsetBytes = 0;
  const offsets: number[] = [];
  for (const tensor of tensors) {
    offsets.push(dataOffsetBytes);
    dataOffsetBytes += tensor.data.byteLength;
    dataOffsetBytes += (t.alignment_bytes - (dataOffsetBytes % t.alignment_bytes)) % t.alignment_bytes;
  }
  tensors.forEach((tensor, i) => {
    w.str(tensor.name);
    w.u32(tensor.dims.length);
    for (const d of tensor.dims) w.u64(d);
    w.u32(GGML_TYPE_F32);
    w.u64(offsets[i]!);
  });
  w.padTo(t.alignment_bytes);
  for (const tensor of tensors) {
    // Float32Array is host-endian; every supported host (x64, arm64) is little-endian like GGUF.
    w.raw(Buffer.from(tensor.data.buffer, tensor.data.byteOffset, tensor.data.byteLength));
    w.padTo(t.alignment_bytes);
  }
  return w.toBuffer();
}

function sha256Hex(buf: Buffer): string {
  return createHash("sha256").update(buf).digest("hex");
}

/**
 * Writes the tiny model to `outPath` unless an identical file is already there. Writes go to a
 * temp file that is renamed into place, so concurrent callers never read a half-written model.
 */
export async function makeTinyModel(
  outPath: string,
  opts: { seed?: number } = {},
): Promise<{ path: string; modelId: string; sha256: string }> {
  const bytes = buildTinyModelGguf(opts.seed ?? DEFAULT_SEED);
  const sha256 = sha256Hex(bytes);
  const existing = await readFile(outPath).catch(() => null);
  if (existing === null || sha256Hex(existing) !== sha256) {
    await mkdir(dirname(outPath), { recursive: true });
    const tmpPath = `${outPath}.${process.pid}.${randomUUID()}.tmp`;
    try {
      await writeFile(tmpPath, bytes);
      await rename(tmpPath, outPath);
    } catch (err) {
      await rm(tmpPath, { force: true });
      throw err;
    }
  }
  return { path: outPath, modelId: TINY_MODEL_ID, sha256 };
}
