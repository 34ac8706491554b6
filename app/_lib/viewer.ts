import { headers } from "next/headers";
import { redirect } from "next/navigation";
import { cache } from "react";
import { loadViewer, type Viewer } from "@/server/auth/load-viewer";
import { getRuntime } from "@/server/runtime";

/** The signed-in viewer for this request, or null; cached so layout and page share one session lookup. */
export const getViewer = cache(async (): Promise<Viewer | null> => loadViewer(getRuntime(), await headers()));

/** Server-side gate for signed-in pages: signed-out visitors go to /sign-in. */
export async function requireViewer(): Promise<Viewer> {
  const viewer = await getViewer();
  if (!viewer) redirect("/sign-in");
  return viewer;
}

/** Public base URL of this deployment (PUBLIC_URL or http://HOST:PORT), without a trailing slash. */
export function publicBaseUrl(): string {
  return getRuntime().baseUrl.replace(/\/+$/, "");
}
