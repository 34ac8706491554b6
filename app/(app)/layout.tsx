import type { ReactNode } from "react";
import { TopNav } from "@/components/nav/top-nav";
import { isOperator } from "@/server/auth/operators";
import { hasRole } from "@/server/auth/roles";
import { canUsePlatformFinance } from "@/server/finance/access";
import { getRuntime } from "@/server/runtime";
import { requireViewer } from "../_lib/viewer";

// Every page under here needs a session: checked on the server before anything renders.
export const dynamic = "force-dynamic";

export default async function SignedInLayout({ children }: { children: ReactNode }) {
  const viewer = await requireViewer();
  const operatorEmails = getRuntime().env.OPERATOR_EMAILS;
  const role = viewer.organization?.memberRole;
  return (
    <>
      <TopNav
        organizationName={viewer.organization?.name ?? null}
        userEmail={viewer.user.email}
        operator={isOperator(operatorEmails, viewer.user.email)}
        payouts={hasRole(role, "provider")}
        finance={canUsePlatformFinance(operatorEmails, viewer.user.email, role)}
      />
      <main className="mx-auto max-w-6xl space-y-6 px-4 py-8">{children}</main>
    </>
  );
}
