"use client";

import { useState } from "react";
import { Button } from "./button";

/** Copies `text`; says "Copied" for two seconds. Clipboard needs a secure context (https or localhost). */
export function CopyButton({ text, label = "Copy", ...props }: { text: string; label?: string; "data-testid"?: string }) {
  const [state, setState] = useState<"idle" | "copied" | "failed">("idle");
  async function copy() {
    try {
      await navigator.clipboard.writeText(text);
      setState("copied");
    } catch {
      setState("failed");
    }
    setTimeout(() => setState("idle"), 2000);
  }
  return (
    <Button variant="secondary" size="sm" onClick={() => void copy()} aria-live="polite" {...props}>
      {state === "copied" ? "Copied" : state === "failed" ? "Copy failed: select and copy" : label}
    </Button>
  );
}
