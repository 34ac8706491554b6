// GPU name → hardware class: the normalized family a market is keyed by (DESIGN §4). Names come
// from nvidia-smi, rocm-smi / amd-smi and system_profiler; a class is lower-case, [a-z0-9.-],
// at most 64 characters (the wire limit), and stable across driver versions.

const MAX_CLASS_LENGTH = 64;

/** Lower-case, words joined by "-", nothing but [a-z0-9.-]. */
export function slug(text: string): string {
  return text
    .toLowerCase()
    .replace(/[^a-z0-9.]+/g, "-")
    .replace(/^-+|-+$/g, "")
    .slice(0, MAX_CLASS_LENGTH)
    .replace(/-+$/, "");
}

/**
 * "NVIDIA GeForce RTX 4090" → "nvidia-rtx-4090"; "NVIDIA H100 80GB HBM3" → "nvidia-h100";
 * "NVIDIA RTX A6000" → "nvidia-a6000"; "NVIDIA RTX 6000 Ada Generation" → "nvidia-rtx-6000-ada".
 * Variant words that change the silicon (Ti, SUPER, D, Ada, Laptop) stay in the class; memory
 * size and form factor (80GB, PCIe, SXM4) do not: they share a market, bandwidth tells them apart.
 */
export function nvidiaClass(name: string): string {
  const n = name.toLowerCase().replace(/nvidia|geforce|tesla|quadro/g, "").trim();
  const m = /rtx\s*\d{4}(\s+(ti|super|ada|d|laptop)\b)*|\b[ahlbv]\d{2,4}[a-z]?\b|\bg[bh]\d{2,3}\b|\bt4\b|\bt\d{3,4}\b/.exec(n);
  return slug(`nvidia-${(m?.[0] ?? n).trim()}`);
}

/** An NVIDIA MIG instance is its own class: a 1g.10gb slice of an H100 is not fungible with a whole H100. */
export function nvidiaMigClass(parentName: string, profile: string): string {
  return slug(`${nvidiaClass(parentName)}-mig-${profile}`);
}

/**
 * "AMD Instinct MI300X" → "amd-mi300x"; "Radeon RX 7900 XTX" → "amd-rx-7900-xtx";
 * "AMD Radeon PRO W7900" → "amd-pro-w7900". Older rocm-smi prints the PCI database name, which
 * can list several boards ("Navi 31 [Radeon RX 7900 XT/7900 XTX]"): the VRAM size picks one.
 */
export function amdClass(name: string, memory_mb?: number): string {
  const candidates = amdCandidates(name);
  if (candidates.length > 1 && memory_mb) {
    const byMemory = candidates.find((c) => Math.abs((KNOWN_AMD_MEMORY_GB[c] ?? -1) * 1024 - memory_mb) <= 1024);
    if (byMemory) return byMemory;
  }
  return candidates[0] ?? slug(`amd-${name.replace(/\b(amd|ati|advanced micro devices,? inc\.?)\b/gi, "")}`);
}

// Board memory (GB, vendor specs) for names rocm-smi can leave ambiguous.
const KNOWN_AMD_MEMORY_GB: Record<string, number> = {
  "amd-rx-7900-xtx": 24,
  "amd-rx-7900-xt": 20,
  "amd-rx-7900-gre": 16,
  "amd-mi250x": 128,
  "amd-mi250": 128,
};

function amdCandidates(name: string): string[] {
  const n = name.toLowerCase();
  const instinct = /\b(mi\d{2,3}[a-z]?)((?:\/mi\d{2,3}[a-z]?)*)/.exec(n);
  if (instinct) return [instinct[1]!, ...instinct[2]!.split("/").filter(Boolean)].map((m) => `amd-${m}`);
  const pro = /radeon\s+pro\s+(w\d{4}[a-z]*)/.exec(n);
  if (pro) return [`amd-pro-${pro[1]}`];
  // "RX 7900 XT/7900 XTX/7900M": the first model carries the "RX", the alternatives repeat the number.
  const rx = /\brx\s*(\d{4}[a-z]?(?:\s+(?:xtx|xt|gre))?)((?:\s*\/\s*\d{4}[a-z]?(?:\s+(?:xtx|xt|gre))?)*)/.exec(n);
  if (rx) return [rx[1]!, ...rx[2]!.split("/").map((s) => s.trim()).filter(Boolean)].map((m) => slug(`amd-rx-${m}`));
  return [];
}

/** "Apple M3 Max" → "apple-m3-max"; "Apple M2 Ultra" → "apple-m2-ultra"; a VM's paravirtual GPU keeps "-virtual". */
export function appleClass(chip: string): string {
  const m = /apple\s+(m\d+)(?:\s+(pro|max|ultra))?/i.exec(chip);
  if (!m) return slug(chip.startsWith("Apple") ? chip : `apple-${chip}`);
  const virtual = /\(virtual\)/i.test(chip) ? "-virtual" : "";
  return slug(`apple-${m[1]}${m[2] ? `-${m[2]}` : ""}${virtual}`);
}
