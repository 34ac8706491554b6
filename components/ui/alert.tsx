import clsx from "clsx";
import type { HTMLAttributes } from "react";

const TONE = {
  info: "border-sky-200 bg-sky-50 text-sky-900",
  warning: "border-amber-300 bg-amber-50 text-amber-900",
  error: "border-red-200 bg-red-50 text-red-900",
} as const;

/** Errors are announced (role="alert"); info and warnings are plain status text. */
export function Alert({ tone = "info", className, ...props }: HTMLAttributes<HTMLDivElement> & { tone?: keyof typeof TONE }) {
  return <div role={tone === "error" ? "alert" : "status"} className={clsx("rounded-md border px-4 py-3 text-sm", TONE[tone], className)} {...props} />;
}
