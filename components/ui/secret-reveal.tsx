import { Alert } from "./alert";
import { CopyButton } from "./copy-button";

/** A freshly created secret, shown exactly once: the server keeps only its hash. */
export function SecretReveal({ title, secret, testId, onDismiss }: { title: string; secret: string; testId: string; onDismiss: () => void }) {
  return (
    <Alert tone="warning" className="space-y-3">
      <p className="font-semibold">{title}</p>
      <p>Copy it now. It will not be shown again; if you lose it, revoke it and create a new one.</p>
      <div className="flex flex-wrap items-center gap-2">
        <code data-testid={testId} className="rounded bg-white px-2 py-1 font-mono text-sm break-all text-slate-900 ring-1 ring-amber-300 select-all">
          {secret}
        </code>
        <CopyButton text={secret} data-testid={`copy-${testId}`} />
        <button type="button" className="text-sm underline" onClick={onDismiss}>
          I have saved it
        </button>
      </div>
    </Alert>
  );
}
