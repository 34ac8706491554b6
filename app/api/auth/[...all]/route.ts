import { toNextJsHandler } from "better-auth/next-js";
import { getRuntime } from "@/server/runtime";

// The auth instance is built by server/main.ts at start-up; resolve it per request, never at import
// (next build imports this module with no runtime).
export const { GET, POST, PATCH, PUT, DELETE } = toNextJsHandler((request: Request) => getRuntime().auth.handler(request));

export const dynamic = "force-dynamic";
