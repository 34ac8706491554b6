"use client";

import Link from "next/link";
import { useRouter } from "next/navigation";
import { useState, type FormEvent } from "react";
import { Alert } from "../ui/alert";
import { Button } from "../ui/button";
import { Field } from "../ui/input";
import { authClient } from "./auth-client";

type Mode = "sign-in" | "sign-up";

/** Email + password sign-in or sign-up through better-auth; success lands on the dashboard. */
export function AuthForm({ mode }: { mode: Mode }) {
  const router = useRouter();
  const [error, setError] = useState<string | null>(null);
  const [pending, setPending] = useState(false);

  async function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const email = String(form.get("email") ?? "");
    const password = String(form.get("password") ?? "");
    setPending(true);
    setError(null);
    // better-auth answers a refusal as `{ error }` but throws when the server cannot be reached: both must
    // re-enable the form with a message, not leave it pending forever.
    const result = await (mode === "sign-up"
      ? authClient.signUp.email({ email, password, name: String(form.get("name") ?? "").trim() || email.split("@")[0] || "User" })
      : authClient.signIn.email({ email, password })
    ).catch(() => ({ error: { message: "Could not reach the server. Try again." } }));
    if (result.error) {
      setError(result.error.message ?? "That did not work. Check the details and try again.");
      setPending(false);
      return;
    }
    // refresh() so server components re-read the new session cookie.
    router.replace("/dashboard");
    router.refresh();
  }

  const signUp = mode === "sign-up";
  return (
    <form onSubmit={(e) => void onSubmit(e)} className="space-y-4" aria-label={signUp ? "Sign up" : "Sign in"}>
      {signUp ? <Field id="name" name="name" label="Name" autoComplete="name" required maxLength={100} /> : null}
      <Field id="email" name="email" type="email" label="Email" autoComplete="email" required />
      <Field
        id="password"
        name="password"
        type="password"
        label="Password"
        autoComplete={signUp ? "new-password" : "current-password"}
        required
        minLength={8}
        hint={signUp ? "At least 8 characters." : undefined}
      />
      {error ? <Alert tone="error">{error}</Alert> : null}
      <Button type="submit" className="w-full" disabled={pending} data-testid={signUp ? "sign-up-submit" : "sign-in-submit"}>
        {pending ? "Please wait…" : signUp ? "Create account" : "Sign in"}
      </Button>
      <p className="text-center text-sm text-slate-600">
        {signUp ? "Already have an account? " : "New to Spotlane? "}
        <Link className="font-medium text-slate-900 underline" href={signUp ? "/sign-in" : "/sign-up"}>
          {signUp ? "Sign in" : "Create an account"}
        </Link>
      </p>
    </form>
  );
}
