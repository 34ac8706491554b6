"use client";

import clsx from "clsx";
import Link from "next/link";
import { usePathname } from "next/navigation";

const LINKS = [
  { href: "/dashboard", label: "Overview" },
  { href: "/dashboard/keys", label: "API keys" },
  { href: "/dashboard/billing", label: "Billing" },
  { href: "/dashboard/provider", label: "Provider" },
  { href: "/market", label: "Market" },
] as const;

/** After "Provider": where providers get paid (members with the provider role; admins hold every role). */
const PAYOUTS_LINK = { href: "/dashboard/payouts", label: "Payouts" } as const;

const OPERATOR_LINKS = [{ href: "/operations", label: "Operations" }] as const;

/** Platform finance only (server/finance/access.ts): an operator with the finance or admin role. */
const FINANCE_LINK = { href: "/finance", label: "Finance" } as const;

export function NavLinks({ operator = false, payouts = true, finance = false }: { operator?: boolean; payouts?: boolean; finance?: boolean }) {
  const pathname = usePathname();
  const links = LINKS.flatMap((link): { href: string; label: string }[] => (link.href === "/dashboard/provider" && payouts ? [link, PAYOUTS_LINK] : [link]));
  return (
    <nav aria-label="Main" className="flex flex-wrap gap-1">
      {[...links, ...(operator ? OPERATOR_LINKS : []), ...(finance ? [FINANCE_LINK] : [])].map((link) => {
        const active = pathname === link.href;
        return (
          <Link
            key={link.href}
            href={link.href}
            aria-current={active ? "page" : undefined}
            className={clsx("rounded-md px-3 py-1.5 text-sm font-medium", active ? "bg-slate-900 text-white" : "text-slate-700 hover:bg-slate-100")}
          >
            {link.label}
          </Link>
        );
      })}
    </nav>
  );
}
