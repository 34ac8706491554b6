import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort } from "../../test/tcp-proxy";
import { EndpointPolicy, type LookupAll } from "./endpoint-policy";
import { DispatchError, dispatchToAgent, type DispatchTarget } from "./dispatch";

/** A loopback HTTP server that counts TCP connections (a refused endpoint must not get even one). */
async function countingServer(handler: (headers: IncomingHttpHeaders, res: import("node:http").ServerResponse) => void) {
  const seen = { connections: 0, requests: [] as IncomingHttpHeaders[] };
  const server: Server = createServer((req, res) => {
    seen.requests.push(req.headers);
    req.resume();
    req.on("end", () => handler(req.headers, res));
  });
  server.on("connection", () => seen.connections++);
  await new Promise<void>((ok) => server.listen(0, "127.0.0.1", () => ok()));
  return { server, seen, port: (server.address() as AddressInfo).port };
}

const send = (target: DispatchTarget, policy?: EndpointPolicy) =>
  dispatchToAgent(target, { path: "/v1/completions", body: "{}", nonce: "req_test", signal: AbortSignal.timeout(5_000), headers_timeout_ms: 5_000, ...(policy ? { policy } : {}) });
const reasonOf = async (p: Promise<unknown>) => {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(DispatchError);
  return err as DispatchError;
};

describe("dispatch connects only where the endpoint policy allows", () => {
  let ok: Awaited<ReturnType<typeof countingServer>>;
  let redirected: Awaited<ReturnType<typeof countingServer>>;
  let redirecting: Awaited<ReturnType<typeof countingServer>>;

  beforeAll(async () => {
    ok = await countingServer((_h, res) => res.writeHead(200, { "content-type": "application/json" }).end('{"ok":true}'));
    redirected = await countingServer((_h, res) => res.writeHead(200).end("followed"));
    redirecting = await countingServer((_h, res) => res.writeHead(302, { location: `http://127.0.0.1:${redirected.port}/v1/completions` }).end());
  });
  afterAll(() => {
    for (const s of [ok, redirected, redirecting]) s?.server.close();
  });

  it("refuses loopback by default without opening a connection, whatever the spelling", async () => {
    const before = ok.seen.connections;
    for (const host of ["127.0.0.1", "2130706433", "0x7f.1", "127.1", "localhost"]) {
      const err = await reasonOf(send({ endpointUrl: `http://${host}:${ok.port}`, machineSecret: "s" }));
      expect(err.reason).toBe("endpoint_not_allowed");
      expect(err.message).toBe("endpoint_not_allowed");
    }
    expect(ok.seen.connections).toBe(before);
  });

  it("refuses at connect time a name that resolved to a public address at registration and to loopback now (DNS rebinding)", async () => {
    let calls = 0;
    const rebinding: LookupAll = async () => [{ address: calls++ === 0 ? "93.184.216.34" : "127.0.0.1", family: 4 }];
    const policy = new EndpointPolicy({ lookup: rebinding });
    const url = `http://rebind.example:${ok.port}`;
    await expect(policy.check(url)).resolves.toMatchObject({ hostname: "rebind.example" }); // registration passes
    const before = ok.seen.connections;
    expect((await reasonOf(send({ endpointUrl: url, machineSecret: "s" }, policy))).reason).toBe("endpoint_not_allowed");
    expect(ok.seen.connections).toBe(before);
  });

  it("connects to an allowed network, by address and by a name that resolves into it", async () => {
    const policy = new EndpointPolicy({ allowed: "127.0.0.0/8", lookup: async () => [{ address: "127.0.0.1", family: 4 }] });
    const byAddress = await send({ endpointUrl: `http://127.0.0.1:${ok.port}`, machineSecret: "s" }, policy);
    expect(byAddress.status).toBe(200);
    expect(await byAddress.json()).toEqual({ ok: true });
    const byName = await send({ endpointUrl: `http://agent.test:${ok.port}`, machineSecret: "s" }, policy);
    expect(byName.status).toBe(200);
    await byName.text();
    // The socket went to the resolved address; the request still names the agent's host.
    expect(ok.seen.requests.at(-1)!.host).toBe(`agent.test:${ok.port}`);
  });

  it("tries each allowed address of a name in turn until one connects", async () => {
    // 127.0.0.2 is loopback too, but nothing listens there: the first address refuses, the second serves.
    const policy = new EndpointPolicy({ allowed: "127.0.0.0/8", lookup: async () => [{ address: "127.0.0.2", family: 4 }, { address: "127.0.0.1", family: 4 }] });
    const res = await send({ endpointUrl: `http://two.test:${ok.port}`, machineSecret: "s" }, policy);
    expect(res.status).toBe(200);
    await res.text();
  });

  it("never follows a redirect: a 3xx is the agent's answer", async () => {
    const policy = new EndpointPolicy({ allowed: "127.0.0.0/8" });
    const res = await send({ endpointUrl: `http://127.0.0.1:${redirecting.port}`, machineSecret: "s" }, policy);
    expect(res.status).toBe(302);
    expect(res.ok).toBe(false);
    await res.text();
    expect(redirected.seen.connections).toBe(0);
  });

  it("reports a refused connection as `unreachable`, without the OS error text", async () => {
    const port = await freePort();
    const err = await reasonOf(send({ endpointUrl: `http://127.0.0.1:${port}`, machineSecret: "s" }, new EndpointPolicy({ allowed: "127.0.0.0/8" })));
    expect(err.reason).toBe("unreachable");
    expect(err.message).toBe("unreachable");
    expect(err.message).not.toContain(String(port));
    expect(String((err.cause as { code?: string }).code)).toBe("ECONNREFUSED"); // kept for logs only
  });

  it("refuses non-http schemes and credentials in the stored URL", async () => {
    const policy = new EndpointPolicy({ allowed: "127.0.0.0/8" });
    for (const endpointUrl of [`ftp://127.0.0.1:${ok.port}`, `http://user:pw@127.0.0.1:${ok.port}`]) {
      expect((await reasonOf(send({ endpointUrl, machineSecret: "s" }, policy))).reason).toBe("endpoint_not_allowed");
    }
  });
});

describe("an answer we stop reading", () => {
  it("cancelling an unread body is quiet: no uncaught AbortError to take the process down", async () => {
    // A provider that answers 500 (refused canaries and failovers cancel the body unread).
    const hanging = await countingServer((_h, res) => res.writeHead(500, { "content-type": "text/plain" }).end("nope"));
    const uncaught: unknown[] = [];
    const onUncaught = (err: unknown) => uncaught.push(err);
    process.on("uncaughtException", onUncaught);
    try {
      const res = await send({ endpointUrl: `http://127.0.0.1:${hanging.port}`, machineSecret: "s" }, new EndpointPolicy({ allowed: ["127.0.0.0/8"] }));
      expect(res.ok).toBe(false);
      await res.body.cancel();
      await new Promise((r) => setTimeout(r, 100));
      expect(uncaught).toEqual([]);
    } finally {
      process.off("uncaughtException", onUncaught);
      hanging.server.closeAllConnections();
      hanging.server.close();
    }
  });
});
