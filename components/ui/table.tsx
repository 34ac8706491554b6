import clsx from "clsx";
import type { HTMLAttributes, TdHTMLAttributes, ThHTMLAttributes } from "react";

/** Scrolls sideways on narrow screens instead of squeezing columns. */
export function Table({ className, ...props }: HTMLAttributes<HTMLTableElement>) {
  return (
    <div className="overflow-x-auto">
      <table className={clsx("w-full border-collapse text-left text-sm", className)} {...props} />
    </div>
  );
}

export function THead(props: HTMLAttributes<HTMLTableSectionElement>) {
  return <thead className="border-b border-slate-200 text-xs tracking-wide text-slate-500 uppercase" {...props} />;
}

export function TBody(props: HTMLAttributes<HTMLTableSectionElement>) {
  return <tbody className="divide-y divide-slate-100" {...props} />;
}

export function Tr(props: HTMLAttributes<HTMLTableRowElement>) {
  return <tr {...props} />;
}

export function Th({ className, numeric, ...props }: ThHTMLAttributes<HTMLTableCellElement> & { numeric?: boolean }) {
  return <th scope="col" className={clsx("px-3 py-2 font-medium", numeric && "text-right", className)} {...props} />;
}

export function Td({ className, numeric, ...props }: TdHTMLAttributes<HTMLTableCellElement> & { numeric?: boolean }) {
  return <td className={clsx("px-3 py-2 align-top text-slate-800", numeric && "text-right tabular-nums", className)} {...props} />;
}

/** A single full-width row for "nothing here yet" and loading states. */
export function EmptyRow({ colSpan, children, ...props }: { colSpan: number; children: React.ReactNode } & HTMLAttributes<HTMLTableRowElement>) {
  return (
    <tr {...props}>
      <td colSpan={colSpan} className="px-3 py-6 text-center text-sm text-slate-500">
        {children}
      </td>
    </tr>
  );
}
