export { amdClass, appleClass, nvidiaClass, nvidiaMigClass } from "./classes";
export { memoryBandwidthGbPerSecond } from "./bandwidth";
export { parseAmdSmiStaticJson, parseRocmSmiJson } from "./amd";
export { parseSysctl, parseSystemProfilerJson } from "./apple";
export { nvidiaGpus, parseNvidiaSmi, parseNvidiaSmiCsv, parseNvidiaSmiList } from "./nvidia-smi";
export { summarizeHardware } from "./summarize";
export { detectHardware, detectHardwareWithNotes, runTool, type Detection, type DetectOptions, type RunTool } from "./detect";
