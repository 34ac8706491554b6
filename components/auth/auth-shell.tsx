import Link from "next/link";
import type { ReactNode } from "react";

/** Centered card for the sign-in and sign-up pages. */
export function AuthShell({ title, description, children }: { title: string; description?: string; children: ReactNode }) {
  return (
    <main className="mx-auto flex min-h-screen max-w-sm flex-col justify-center px-4 py-12">
      <Link href="/" className="mb-6 text-lg font-semibold tracking-tight text-slate-900">
        Spotlane
      </Link>
      <div className="rounded-lg border border-slate-200 bg-white p-6 shadow-sm">
        <h1 className="text-xl font-semibold text-slate-900">{title}</h1>
        {description ? <p className="mt-1 text-sm text-slate-600">{description}</p> : null}
        <div className="mt-6">{children}</div>
      </div>
    </main>
  );
}
