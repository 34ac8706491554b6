// Turns generated tokens into text deltas: waits for multi-token UTF-8 characters to complete,
// and holds back any tail that could be the start of a stop string so a stop string is never
// streamed to the client (OpenAI semantics: the stop sequence is not part of the output).

export type Detokenize<Tok> = (tokens: readonly Tok[], lastTokens: readonly Tok[]) => string;

const REPLACEMENT_CHAR = "\uFFFD";
// A UTF-8 character is at most 4 bytes, so at most 4 byte tokens; past that, emit as is.
const MAX_PENDING_TOKENS = 4;
// Context handed to the detokenizer so SPM leading spaces come out right mid-stream.
const HISTORY_TOKENS = 16;

export class TextStream<Tok = number> {
  private history: Tok[];
  private pending: Tok[] = [];
  private held = "";

  constructor(
    private readonly detokenize: Detokenize<Tok>,
    private readonly stops: readonly string[],
    promptTail: readonly Tok[] = [],
  ) {
    this.history = promptTail.slice(-HISTORY_TOKENS);
  }

  /** Adds one token; returns the text now safe to emit and whether a stop string was hit. */
  push(token: Tok): { text: string; stopped: boolean } {
    this.pending.push(token);
    const piece = this.detokenize(this.pending, this.history);
    if (piece.endsWith(REPLACEMENT_CHAR) && this.pending.length < MAX_PENDING_TOKENS) {
      return { text: "", stopped: false };
    }
    this.history.push(...this.pending);
    if (this.history.length > HISTORY_TOKENS) this.history = this.history.slice(-HISTORY_TOKENS);
    this.pending = [];
    this.held += piece;
    return this.release();
  }

  /** Text still held back (partial stop-string prefix, incomplete UTF-8) once generation ends. */
  flush(): string {
    const rest = this.held + (this.pending.length > 0 ? this.detokenize(this.pending, this.history) : "");
    this.held = "";
    this.pending = [];
    return rest;
  }

  private release(): { text: string; stopped: boolean } {
    let stopAt = -1;
    for (const stop of this.stops) {
      const index = this.held.indexOf(stop);
      if (index >= 0 && (stopAt < 0 || index < stopAt)) stopAt = index;
    }
    if (stopAt >= 0) {
      const text = this.held.slice(0, stopAt);
      this.held = "";
      return { text, stopped: true };
    }
    const keep = longestStopPrefixSuffix(this.held, this.stops);
    const text = this.held.slice(0, this.held.length - keep);
    this.held = this.held.slice(this.held.length - keep);
    return { text, stopped: false };
  }
}

/** Length of the longest suffix of `text` that is a proper prefix of some stop string. */
function longestStopPrefixSuffix(text: string, stops: readonly string[]): number {
  let best = 0;
  for (const stop of stops) {
    for (let len = Math.min(stop.length - 1, text.length); len > best; len--) {
      if (text.endsWith(stop.slice(0, len))) {
        best = len;
        break;
      }
    }
  }
  return best;
}
