// `npm run make-model`: writes the deterministic tiny llama GGUF used by tests and demos.
import { resolve } from "node:path";
import { makeTinyModel } from "../test/tiny-model";

const outPath = resolve(process.argv[2] ?? ".data/models/spotlane-tiny.gguf");
const { path, modelId, sha256 } = await makeTinyModel(outPath);
console.log(path);
console.error(`model_id=${modelId} sha256=${sha256}`);
