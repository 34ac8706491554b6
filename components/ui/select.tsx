import clsx from "clsx";
import type { SelectHTMLAttributes } from "react";

/** A native select styled like `Input` (native: keyboard, mobile pickers and tests work as usual). */
export function Select({ className, ...props }: SelectHTMLAttributes<HTMLSelectElement>) {
  return (
    <select
      className={clsx(
        "h-10 w-full rounded-md border border-slate-300 bg-white px-3 text-sm text-slate-900",
        "focus:border-slate-900 focus:ring-1 focus:ring-slate-900 focus:outline-none disabled:opacity-50",
        className,
      )}
      {...props}
    />
  );
}
