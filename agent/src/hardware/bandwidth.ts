// Peak memory bandwidth per device, GB/s (10^9 bytes/s), from vendor spec sheets. Decode speed is
// bounded by it (each generated token reads every weight once), so the marketplace can call a
// claim implausible when decode tok/s × model bytes exceeds it. Informational on the wire: the
// marketplace keeps its own table and trusts none of this.
//
// Sources (vendor datasheets / product pages):
//   NVIDIA: H100 SXM 3.35 TB/s, H100 PCIe 2.0 TB/s, H100 NVL 3.9 TB/s, H200 4.8 TB/s, B200 8 TB/s,
//     A100 40GB 1,555 GB/s, A100 80GB PCIe 1,935 GB/s, A100 80GB SXM 2,039 GB/s, L40S/L40 864 GB/s,
//     L4 300 GB/s, A10/A10G 600 GB/s, T4 320 GB/s, V100 900 GB/s, RTX 4090 1,008 GB/s,
//     RTX 4080 717 GB/s, RTX 3090 936 GB/s, RTX 3090 Ti 1,008 GB/s, RTX 5090 1,792 GB/s,
//     RTX A6000 768 GB/s, RTX 6000 Ada 960 GB/s (nvidia.com data center and GeForce spec pages).
//   AMD: Instinct MI300X 5.3 TB/s, MI325X 6 TB/s, MI250X/MI250 3.2 TB/s, MI210 1.6 TB/s,
//     Radeon RX 7900 XTX 960 GB/s, RX 7900 XT 800 GB/s, Radeon PRO W7900 864 GB/s (amd.com specs).
//   Apple: unified memory bandwidth from Apple's tech specs / newsroom: M1 68.25, M1 Pro 200,
//     M1 Max 400, M1 Ultra 800, M2 100, M2 Pro 200, M2 Max 400, M2 Ultra 800, M3 100, M3 Pro 150,
//     M3 Max 300 (30-core GPU) / 400 (40-core GPU), M3 Ultra 819, M4 120, M4 Pro 273,
//     M4 Max 410 (32-core GPU) / 546 (40-core GPU).

type Entry = { gbps: number; /** a name pattern that picks this figure within a class (form factor, memory size) */ variant?: RegExp };

const TABLE: Record<string, Entry[]> = {
  "nvidia-h100": [{ gbps: 2000, variant: /pcie/i }, { gbps: 3900, variant: /nvl/i }, { gbps: 3350 }],
  "nvidia-h200": [{ gbps: 4800 }],
  "nvidia-b200": [{ gbps: 8000 }],
  "nvidia-a100": [{ gbps: 1555, variant: /40\s*gb/i }, { gbps: 1935, variant: /80\s*gb.*pcie|pcie.*80\s*gb/i }, { gbps: 2039 }],
  "nvidia-l40s": [{ gbps: 864 }],
  "nvidia-l40": [{ gbps: 864 }],
  "nvidia-l4": [{ gbps: 300 }],
  "nvidia-a10g": [{ gbps: 600 }],
  "nvidia-a10": [{ gbps: 600 }],
  "nvidia-t4": [{ gbps: 320 }],
  "nvidia-v100": [{ gbps: 900 }],
  "nvidia-rtx-5090": [{ gbps: 1792 }],
  "nvidia-rtx-4090": [{ gbps: 1008 }],
  "nvidia-rtx-4080": [{ gbps: 717 }],
  "nvidia-rtx-3090-ti": [{ gbps: 1008 }],
  "nvidia-rtx-3090": [{ gbps: 936 }],
  "nvidia-a6000": [{ gbps: 768 }],
  "nvidia-rtx-6000-ada": [{ gbps: 960 }],
  "amd-mi325x": [{ gbps: 6000 }],
  "amd-mi300x": [{ gbps: 5300 }],
  "amd-mi250x": [{ gbps: 3277 }],
  "amd-mi250": [{ gbps: 3277 }],
  "amd-mi210": [{ gbps: 1638 }],
  "amd-rx-7900-xtx": [{ gbps: 960 }],
  "amd-rx-7900-xt": [{ gbps: 800 }],
  "amd-pro-w7900": [{ gbps: 864 }],
  "apple-m1": [{ gbps: 68.25 }],
  "apple-m1-pro": [{ gbps: 200 }],
  "apple-m1-max": [{ gbps: 400 }],
  "apple-m1-ultra": [{ gbps: 800 }],
  "apple-m2": [{ gbps: 100 }],
  "apple-m2-pro": [{ gbps: 200 }],
  "apple-m2-max": [{ gbps: 400 }],
  "apple-m2-ultra": [{ gbps: 800 }],
  "apple-m3": [{ gbps: 100 }],
  "apple-m3-pro": [{ gbps: 150 }],
  // The binned M3 Max and M4 Max have fewer GPU cores and a narrower memory bus.
  "apple-m3-max": [{ gbps: 300, variant: /\b30-core\b/ }, { gbps: 400 }],
  "apple-m3-ultra": [{ gbps: 819 }],
  "apple-m4": [{ gbps: 120 }],
  "apple-m4-pro": [{ gbps: 273 }],
  "apple-m4-max": [{ gbps: 410, variant: /\b32-core\b/ }, { gbps: 546 }],
};

/**
 * Peak bandwidth of one device of `hardwareClass`, or undefined when the class is not in the
 * table. `detail` is the raw name plus anything that picks a variant (e.g. "40-core" for Apple).
 */
export function memoryBandwidthGbPerSecond(hardwareClass: string, detail = ""): number | undefined {
  const entries = TABLE[hardwareClass];
  if (!entries) return undefined;
  return (entries.find((e) => e.variant?.test(detail)) ?? entries.find((e) => !e.variant))?.gbps;
}
