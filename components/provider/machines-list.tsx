"use client";

import { Fragment, useState } from "react";
import { useQuery } from "@tanstack/react-query";
import type { ProviderMachine } from "@/server/providers/list-machines";
import { formatAgo, formatPricePerSecond } from "../format";
import { QueryError } from "../query-state";
import { useTRPC } from "../trpc/react";
import { Badge, type BadgeTone } from "../ui/badge";
import { Card, CardBody, CardHeader } from "../ui/card";
import { EmptyRow, TBody, THead, Table, Td, Th, Tr } from "../ui/table";
import { GateReasons } from "./gate-reasons";
import { ClaimedVsVerified, formatScore, OfferVerification } from "./offer-verification";

const MACHINE_TONE: Record<string, BadgeTone> = { online: "green", draining: "amber", offline: "red" };

/** Machines and their offers, refreshed every few seconds so heartbeats and slot use stay current. */
export function MachinesList() {
  const trpc = useTRPC();
  const machines = useQuery(trpc.provider.machines.queryOptions(undefined, { refetchInterval: 3_000 }));
  return (
    <Card>
      <CardHeader title="Machines" description="Each offer shows why it is or is not getting traffic." />
      <CardBody className="space-y-4">
        {machines.error ? <QueryError error={machines.error} /> : null}
        {!machines.data ? (
          <p className="text-sm text-slate-500">Loading…</p>
        ) : machines.data.length === 0 ? (
          <p className="text-sm text-slate-500" data-testid="machines-empty">
            No machines yet. Create an agent token and run the agent.
          </p>
        ) : (
          machines.data.map((m) => <MachineCard key={m.id} machine={m} now={new Date(machines.dataUpdatedAt)} />)
        )}
      </CardBody>
    </Card>
  );
}

function MachineCard({ machine, now }: { machine: ProviderMachine; now: Date }) {
  // An offer kept out by verification opens on its details: that is the "why no traffic" answer.
  const [open, setOpen] = useState<string | null>(() => machine.offers.find((o) => o.verification_status !== "verified" && o.status === "live")?.id ?? null);
  return (
    <article className="rounded-md border border-slate-200" data-testid="machine-card" data-machine-id={machine.id}>
      <header className="flex flex-wrap items-center justify-between gap-2 border-b border-slate-100 px-4 py-3">
        <div>
          <h3 className="font-medium text-slate-900">{machine.name}</h3>
          <p className="text-xs text-slate-500">
            {machine.hardware_class} · agent {machine.agent_version} · last heartbeat {formatAgo(machine.last_heartbeat_at, now)}
            {machine.heartbeat_uptime !== null ? ` · heartbeat uptime ${formatScore(machine.heartbeat_uptime)}` : ""}
          </p>
        </div>
        <Badge tone={MACHINE_TONE[machine.status] ?? "neutral"} data-testid="machine-status">
          {machine.status}
        </Badge>
      </header>
      <Table>
        <THead>
          <Tr>
            <Th>Model</Th>
            <Th>Hardware class</Th>
            <Th numeric>Slots active / total</Th>
            <Th numeric>Ask per slot-second</Th>
            <Th numeric>Decode verified / claimed</Th>
            <Th numeric>Reliability</Th>
            <Th>Status</Th>
            <Th>
              <span className="sr-only">Details</span>
            </Th>
          </Tr>
        </THead>
        <TBody>
          {machine.offers.length === 0 ? (
            <EmptyRow colSpan={8}>No offers.</EmptyRow>
          ) : (
            machine.offers.map((o) => (
              <Fragment key={o.id}>
                <Tr data-testid="offer-row" data-offer-id={o.id}>
                  <Td className="font-mono text-xs">{o.model_id}</Td>
                  <Td>{o.hardware_class}</Td>
                  <Td numeric>
                    {o.active_slots} / {o.slots}
                  </Td>
                  <Td numeric>{formatPricePerSecond(o.ask_nanos_per_second)}</Td>
                  <Td numeric>
                    <ClaimedVsVerified offer={o} />
                  </Td>
                  <Td numeric>{formatScore(o.reliability_score)}</Td>
                  <Td>
                    <GateReasons reasons={o.gate_reasons} ask_nanos_per_second={o.ask_nanos_per_second} spot_nanos_per_second={o.spot_nanos_per_second} />
                  </Td>
                  <Td>
                    <button
                      type="button"
                      className="text-xs font-medium text-sky-700 hover:underline"
                      aria-expanded={open === o.id}
                      data-testid="offer-verification-toggle"
                      onClick={() => setOpen(open === o.id ? null : o.id)}
                    >
                      {open === o.id ? "Hide" : "Verification"}
                    </button>
                  </Td>
                </Tr>
                {open === o.id ? (
                  <tr>
                    <td colSpan={8} className="p-0">
                      <OfferVerification offer={o} now={now} />
                    </td>
                  </tr>
                ) : null}
              </Fragment>
            ))
          )}
        </TBody>
      </Table>
    </article>
  );
}
