import type { Metadata } from "next";
import { redirect } from "next/navigation";
import { AuthForm } from "@/components/auth/auth-form";
import { AuthShell } from "@/components/auth/auth-shell";
import { getViewer } from "../_lib/viewer";

export const dynamic = "force-dynamic";
export const metadata: Metadata = { title: "Create an account" };

export default async function SignUpPage() {
  if (await getViewer()) redirect("/dashboard");
  return (
    <AuthShell title="Create an account" description="You get an organization with a local test balance to try the API. Nothing is charged.">
      <AuthForm mode="sign-up" />
    </AuthShell>
  );
}
