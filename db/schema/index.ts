export * from "./auth";
export * from "./buyers";
export * from "./providers";
export * from "./requests";
export * from "./ledger";
export * from "./market";
export * from "./verification";
export * from "./payments";
