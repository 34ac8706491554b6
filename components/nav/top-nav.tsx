import Link from "next/link";
import { NavLinks } from "./nav-links";
import { SignOutButton } from "./sign-out-button";

/**
 * Signed-in header: brand, sections, whose organization this is, sign-out. `payouts`: show the Payouts link (pass
 * hasRole(memberRole, "provider"); the page itself says who may read it). `finance`: show the Finance link (pass
 * canUsePlatformFinance; the page 404s for anyone else).
 */
export function TopNav({
  organizationName,
  userEmail,
  operator = false,
  payouts = true,
  finance = false,
}: {
  organizationName: string | null;
  userEmail: string;
  operator?: boolean;
  payouts?: boolean;
  finance?: boolean;
}) {
  return (
    <header className="border-b border-slate-200 bg-white">
      <div className="mx-auto flex max-w-6xl flex-wrap items-center justify-between gap-3 px-4 py-3">
        <div className="flex flex-wrap items-center gap-4">
          <Link href="/dashboard" className="text-lg font-semibold tracking-tight text-slate-900">
            Spotlane
          </Link>
          <NavLinks operator={operator} payouts={payouts} finance={finance} />
        </div>
        <div className="flex items-center gap-3 text-sm">
          <div className="text-right">
            <div className="font-medium text-slate-900" data-testid="org-name">
              {organizationName ?? "No organization"}
            </div>
            <div className="text-xs text-slate-500">{userEmail}</div>
          </div>
          <SignOutButton />
        </div>
      </div>
    </header>
  );
}
