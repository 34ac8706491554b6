export { formatReport, formatTable } from "./format";
export { claimFrom, runBenchmark, runBenchmarkSuite, type BenchmarkReport, type CaseResult, type SuiteOptions } from "./run-suite";
export { CASES, LONG_PROMPT, SHORT_PROMPT, SUITE_VERSION } from "./suite";
