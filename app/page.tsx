import Link from "next/link";
import { buttonClasses } from "@/components/ui/button";
import { CodeBlock } from "@/components/ui/code-block";
import { getViewer, publicBaseUrl } from "./_lib/viewer";

// Reads the runtime (session, base URL): never prerendered at build time.
export const dynamic = "force-dynamic";

const POINTS = [
  { title: "One endpoint", text: "OpenAI-compatible /v1/chat/completions, /v1/completions and /v1/models. Any OpenAI client works unchanged." },
  { title: "Priced by the second", text: "You pay the market's spot price per slot-second your request holds, to the nano-dollar, shown per request." },
  { title: "Sell idle GPUs", text: "Run the agent next to llama.cpp or vLLM, set an ask, and earn for every second you serve." },
];

export default async function LandingPage() {
  const viewer = await getViewer();
  const baseUrl = publicBaseUrl();
  return (
    <main className="mx-auto max-w-4xl px-4 py-16">
      <p className="text-sm font-semibold tracking-wide text-slate-500 uppercase">Spotlane</p>
      <h1 className="mt-2 text-4xl font-semibold tracking-tight text-slate-900">A spot market for GPU inference</h1>
      <p className="mt-4 max-w-2xl text-lg text-slate-600">
        Call one endpoint; each request is routed to the provider that best fits your price and latency, and metered by the second.
      </p>
      <div className="mt-8 flex flex-wrap gap-3">
        {viewer ? (
          <Link href="/dashboard" className={buttonClasses("primary")}>
            Go to dashboard
          </Link>
        ) : (
          <>
            <Link href="/sign-up" className={buttonClasses("primary")}>
              Create an account
            </Link>
            <Link href="/sign-in" className={buttonClasses("secondary")}>
              Sign in
            </Link>
          </>
        )}
      </div>
      <section className="mt-12 space-y-2" aria-labelledby="base-url-heading">
        <h2 id="base-url-heading" className="text-sm font-semibold text-slate-900">
          API base URL
        </h2>
        <CodeBlock code={`${baseUrl}/v1`} label="API base URL" data-testid="api-base-url" />
      </section>
      <ul className="mt-12 grid gap-6 sm:grid-cols-3">
        {POINTS.map((p) => (
          <li key={p.title}>
            <h2 className="font-semibold text-slate-900">{p.title}</h2>
            <p className="mt-1 text-sm text-slate-600">{p.text}</p>
          </li>
        ))}
      </ul>
    </main>
  );
}
