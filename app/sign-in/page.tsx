import type { Metadata } from "next";
import { redirect } from "next/navigation";
import { AuthForm } from "@/components/auth/auth-form";
import { AuthShell } from "@/components/auth/auth-shell";
import { getViewer } from "../_lib/viewer";

export const dynamic = "force-dynamic";
export const metadata: Metadata = { title: "Sign in" };

export default async function SignInPage() {
  if (await getViewer()) redirect("/dashboard");
  return (
    <AuthShell title="Sign in">
      <AuthForm mode="sign-in" />
    </AuthShell>
  );
}
