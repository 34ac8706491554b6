// Is this file a GGUF model? The format starts with the magic "GGUF" and a little-endian uint32
// version (ggml's docs/gguf.md; versions 1–3 exist, llama.cpp reads 2 and 3).
import { open, stat } from "node:fs/promises";

export type GgufInfo = { version: number; size_bytes: number };

export async function inspectGguf(path: string): Promise<GgufInfo> {
  const { size } = await stat(path);
  const file = await open(path, "r");
  try {
    const head = Buffer.alloc(8);
    const { bytesRead } = await file.read(head, 0, 8, 0);
    if (bytesRead < 8 || head.toString("latin1", 0, 4) !== "GGUF") throw new Error(`${path} is not a GGUF file (it does not start with "GGUF")`);
    const version = head.readUInt32LE(4);
    if (version < 2 || version > 3) throw new Error(`${path} is GGUF version ${version}; llama.cpp reads versions 2 and 3`);
    return { version, size_bytes: size };
  } finally {
    await file.close();
  }
}
