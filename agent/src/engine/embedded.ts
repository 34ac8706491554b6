import { randomInt } from "node:crypto";
// Embedded llama.cpp engine (node-llama-cpp 3.22): one model, one LlamaContext with `slots`
// sequences, each request borrowing a sequence. Sequences in one context are decoded in shared
// batches, so slots really run concurrently.
import { availableParallelism } from "node:os";
import { basename } from "node:path";
import {
  GgufFileType,
  LlamaText,
  LlamaVocabularyType,
  SpecialTokensText,
  getLlama,
  getModuleVersion,
  ggufFileQuantNames,
  resolveChatWrapper,
  type BuiltInChatWrapperType,
  type ChatHistoryItem,
  type LlamaContextSequence,
  type LlamaModel,
  type SequenceEvaluateOptions,
  type Token,
} from "node-llama-cpp";
import { EventChannel } from "./event-channel";
import { SlotPool } from "./slot-pool";
import { TextStream } from "./text-stream";
import {
  EngineClosedError,
  EngineRequestError,
  NO_CAPABILITIES,
  type ChatMessage,
  type Engine,
  type EngineCapabilities,
  type EngineEvent,
  type EngineInfo,
  type EngineLoad,
  type GenerateRequest,
} from "./types";

export type EmbeddedEngineOptions = {
  modelPath: string;
  slots: number;
  contextSize?: number; // tokens per slot; default min(model's training context, 4096)
  maxThreads?: number;
  gpu?: "auto" | false; // false: CPU only; "auto": CUDA/Vulkan/Metal if a prebuilt binary fits
};

const DEFAULT_CONTEXT_SIZE_TOKENS = 4096;

// node-llama-cpp's CPU default is max(math cores, 4) threads; on 2 cores that oversubscribes and
// ran ~500× slower here (STACK.md). Leave one core for the event loop on small machines.
function defaultMaxThreads(): number | undefined {
  const cores = availableParallelism();
  if (cores <= 2) return 1;
  if (cores < 4) return cores - 1;
  return undefined; // library default
}

export async function createEmbeddedEngine(opts: EmbeddedEngineOptions): Promise<Engine> {
  if (!Number.isInteger(opts.slots) || opts.slots < 1) throw new Error(`slots must be a positive integer, got ${opts.slots}`);
  const llama = await getLlama({
    gpu: opts.gpu ?? false,
    build: "never", // never compile at runtime: prebuilt binaries only, no network
    maxThreads: opts.maxThreads ?? defaultMaxThreads(),
  });
  try {
    const model = await llama.loadModel({ modelPath: opts.modelPath });
    const context = await model.createContext({
      sequences: opts.slots,
      contextSize: opts.contextSize ?? Math.min(model.trainContextSize, DEFAULT_CONTEXT_SIZE_TOKENS),
    });
    const sequences = Array.from({ length: opts.slots }, () => context.getSequence());
    const info: EngineInfo = {
      engine: "llama.cpp",
      engine_version: `node-llama-cpp ${await getModuleVersion()}`,
      model_path: opts.modelPath,
      slots: opts.slots,
      context_size: context.contextSize,
      quantization: quantizationOf(model, opts.modelPath),
    };
    return new EmbeddedEngine(info, model, sequences, async () => {
      await context.dispose();
      await model.dispose();
      await llama.dispose();
    });
  } catch (err) {
    await llama.dispose();
    throw err;
  }
}

class EmbeddedEngine implements Engine {
  private readonly pool: SlotPool<LlamaContextSequence>;
  private readonly inFlight = new Set<{ stop: AbortController; done: Promise<void> }>();
  private closing: Promise<void> | null = null;
  // Resolving compares the Jinja template against every known wrapper (~300 ms on the tiny
  // model): done once here so the first chat request's TTFT does not pay for it.
  private readonly chatWrapper: BuiltInChatWrapperType;
  readonly capabilities: EngineCapabilities = NO_CAPABILITIES;

  constructor(
    readonly info: EngineInfo,
    private readonly model: LlamaModel,
    sequences: LlamaContextSequence[],
    private readonly disposeAll: () => Promise<void>,
  ) {
    this.pool = new SlotPool(sequences);
    this.chatWrapper = resolveChatWrapper(model);
  }

  load(): EngineLoad {
    return { active_slots: this.pool.active, slots: this.pool.size, queued_requests: this.pool.queued };
  }

  generate(req: GenerateRequest, signal: AbortSignal): AsyncIterable<EngineEvent> {
    return {
      [Symbol.asyncIterator]: () => {
        const channel = new EventChannel<EngineEvent>();
        // Internal controller: fires on the caller's abort, on the consumer leaving early, and on close().
        const stop = new AbortController();
        const onCallerAbort = () => stop.abort(signal.reason);
        if (signal.aborted) stop.abort(signal.reason);
        else signal.addEventListener("abort", onCallerAbort, { once: true });
        if (this.closing) stop.abort(new EngineClosedError());

        const entry = { stop, done: Promise.resolve() };
        entry.done = this.run(req, stop.signal, (event) => channel.push(event))
          .then(
            () => channel.end(),
            (err: unknown) => channel.fail(err),
          )
          .finally(() => {
            signal.removeEventListener("abort", onCallerAbort);
            this.inFlight.delete(entry);
          });
        this.inFlight.add(entry);
        return channel.iterator(() => stop.abort(new Error("stream consumer stopped reading")));
      },
    };
  }

  close(): Promise<void> {
    this.closing ??= (async () => {
      const err = new EngineClosedError();
      this.pool.close(err);
      for (const { stop } of this.inFlight) stop.abort(err);
      await Promise.allSettled([...this.inFlight].map((entry) => entry.done));
      await this.disposeAll();
    })();
    return this.closing;
  }

  private async run(req: GenerateRequest, signal: AbortSignal, emit: (event: EngineEvent) => void): Promise<void> {
    validate(req);
    const { tokens: promptTokens, stopStrings, stopTokens } = this.renderPrompt(req);
    const contextSize = this.info.context_size;
    if (promptTokens.length >= contextSize) {
      throw new EngineRequestError(
        "context_length_exceeded",
        `prompt is ${promptTokens.length} tokens; this engine's context is ${contextSize} tokens per slot`,
      );
    }
    // Room for completion: the context holds the prompt plus every generated token but the last.
    const maxCompletionTokens = Math.min(req.max_tokens, contextSize - promptTokens.length);

    const sequence = await this.pool.acquire(signal);
    // Billing starts here: time waiting for a slot is never the buyer's.
    const slot_ms = performance.now();
    try {
      // Always decode the full prompt from scratch: reusing a cached prefix changes batch shapes
      // and can flip greedy ties, and the marketplace fingerprints models by greedy output.
      await sequence.clearHistory();
      signal.throwIfAborted();

      const text = new TextStream(
        (tokens, lastTokens) => this.model.detokenize(tokens, false, lastTokens),
        stopStrings,
        promptTokens,
      );
      // Every sampled token counts, including a closing end-of-generation token (as llama-server does).
      let completionTokens = 0;
      let stoppedByString = false;
      let finishReason: "stop" | "length" = "stop"; // also when the evaluator ends by itself
      for await (const token of sequence.evaluate(promptTokens, { ...samplingOf(req), yieldEogToken: true })) {
        signal.throwIfAborted();
        completionTokens++;
        if (this.model.isEogToken(token) || stopTokens.has(token)) break;
        const out = text.push(token);
        if (out.text) emit({ type: "delta", text: out.text });
        if (out.stopped) {
          stoppedByString = true;
          break;
        }
        if (completionTokens >= maxCompletionTokens) {
          finishReason = "length";
          break;
        }
      }
      signal.throwIfAborted();
      // Held-back text that turned out not to be a stop string is real output.
      const rest = stoppedByString ? "" : text.flush();
      if (rest) emit({ type: "delta", text: rest });
      emit({ type: "done", finish_reason: finishReason, usage: { prompt_tokens: promptTokens.length, completion_tokens: completionTokens }, served_ms: Math.round(performance.now() - slot_ms) });
    } finally {
      this.pool.release(sequence);
    }
  }

  /** Prompt tokens plus what ends generation: the chat template's end-of-turn markers and `stop`. */
  private renderPrompt(req: GenerateRequest): { tokens: Token[]; stopStrings: string[]; stopTokens: Set<Token> } {
    const stopStrings = (req.stop ?? []).filter((s) => s.length > 0);
    const stopTokens = new Set<Token>();
    if (req.messages) {
      const wrapper = this.chatWrapper;
      const state = wrapper.generateContextState({ chatHistory: toChatHistory(req.messages) });
      for (const trigger of state.stopGenerationTriggers) {
        if (trigger.values.every((value) => typeof value === "string")) {
          stopStrings.push(trigger.values.join(""));
        } else {
          const tokens = trigger.tokenize(this.model.tokenizer);
          if (tokens.length === 1) stopTokens.add(tokens[0]!);
        }
      }
      return { tokens: this.withBos(state.contextText.tokenize(this.model.tokenizer)), stopStrings, stopTokens };
    }
    // Raw completion, tokenized the way llama-server does (special tokens parsed, BOS per the
    // model's add_bos flag) so embedded and llama-server hosts fingerprint identically.
    const tokens = LlamaText([new SpecialTokensText(req.prompt ?? "")]).tokenize(this.model.tokenizer);
    return { tokens: this.withBos(tokens), stopStrings, stopTokens };
  }

  /** Exactly one leading BOS iff llama.cpp would add one (add_special semantics). */
  private withBos(tokens: Token[]): Token[] {
    const bos = this.model.tokens.bos;
    if (bos == null) return tokens;
    const body = tokens[0] === bos ? tokens.slice(1) : tokens;
    const vocab = this.model.vocabularyType;
    const wantsBos =
      vocab === LlamaVocabularyType.wpm ||
      (vocab !== LlamaVocabularyType.ugm && vocab !== LlamaVocabularyType.rwkv && this.model.tokens.shouldPrependBosToken);
    return wantsBos ? [bos, ...body] : body;
  }
}

function validate(req: GenerateRequest): void {
  if (!Number.isInteger(req.max_tokens) || req.max_tokens < 1) {
    throw new EngineRequestError("invalid_request", "max_tokens must be a positive integer");
  }
  if ((req.messages == null) === (req.prompt == null)) {
    throw new EngineRequestError("invalid_request", "exactly one of messages or prompt is required");
  }
  if (req.messages && req.messages.length === 0) throw new EngineRequestError("invalid_request", "messages is empty");
}

// OpenAI semantics: temperature defaults to 1, top_p to 1, no top-k/min-p truncation.
// node-llama-cpp's own defaults (topK 40, topP 0.95) would silently change the distribution.
function samplingOf(req: GenerateRequest): SequenceEvaluateOptions {
  const temperature = req.temperature ?? 1;
  if (temperature <= 0) return { temperature: 0 }; // greedy: seed and top_p are irrelevant
  // node-llama-cpp defaults the seed to the current second and clamps negatives to 0: requests in the
  // same second would sample alike, so an absent seed gets a random one and a given one maps to uint32.
  const seed = req.seed == null ? randomInt(0, 2 ** 32 - 1) : Number(BigInt.asUintN(32, BigInt(req.seed)));
  return { temperature, topP: req.top_p ?? 1, topK: 0, minP: 0, seed };
}

// node-llama-cpp chat wrappers know system/user/model turns only; tool results go in as user
// turns. A trailing assistant message is left open so the model continues it (prefill).
function toChatHistory(messages: ChatMessage[]): ChatHistoryItem[] {
  const history: ChatHistoryItem[] = messages.map((m): ChatHistoryItem => {
    if (m.role === "system") return { type: "system", text: m.content };
    if (m.role === "assistant") return { type: "model", response: [m.content] };
    return { type: "user", text: m.content };
  });
  if (messages[messages.length - 1]?.role !== "assistant") history.push({ type: "model", response: [] });
  return history;
}

// "f32", "q4_k_m", …: from the GGUF general.file_type, else from the file name.
function quantizationOf(model: LlamaModel, modelPath: string): string {
  const fileType = model.fileInfo.metadata.general?.file_type;
  if (fileType != null && GgufFileType[fileType] != null) {
    return GgufFileType[fileType].replace(/^(ALL|MOSTLY)_/, "").toLowerCase();
  }
  const name = basename(modelPath).toUpperCase();
  const match = [...ggufFileQuantNames]
    .sort((a, b) => b.length - a.length)
    .find((quant) => new RegExp(`(^|[^A-Z0-9])${quant}([^A-Z0-9]|$)`).test(name));
  return match ? match.toLowerCase() : "unknown";
}
