import { CopyButton } from "./copy-button";

/** Preformatted command or snippet with a copy button. */
export function CodeBlock({ code, label, ...props }: { code: string; label: string; "data-testid"?: string }) {
  return (
    <div className="relative">
      <pre aria-label={label} className="overflow-x-auto rounded-md bg-slate-900 p-4 pr-24 font-mono text-xs leading-relaxed text-slate-100" {...props}>
        <code>{code}</code>
      </pre>
      <div className="absolute top-2 right-2">
        <CopyButton text={code} label="Copy" />
      </div>
    </div>
  );
}
