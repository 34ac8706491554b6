/** What a provider may send back in one non-streamed answer; a real completion is a few hundred KB at most. */
export const MAX_UPSTREAM_BODY_BYTES = 8 * 1024 * 1024;

export class BodyTooLarge extends Error {
  constructor(readonly limit_bytes: number) {
    super(`the body exceeded ${limit_bytes} bytes`);
    this.name = "BodyTooLarge";
  }
}

/**
 * Reads a peer's body as UTF-8 text, refusing it (and cancelling the rest) past `limit_bytes`, so a hostile
 * provider cannot make the gateway buffer a 400 MB answer.
 */
export async function readCapped(body: AsyncIterable<Uint8Array> & { cancel(): Promise<void> }, limit_bytes: number): Promise<string> {
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of body) {
    size += chunk.byteLength;
    if (size > limit_bytes) {
      await body.cancel().catch(() => {});
      throw new BodyTooLarge(limit_bytes);
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString("utf8");
}
