import { createServer, connect, type Server, type Socket } from "node:net";
import type { AddressInfo } from "node:net";

/** A free loopback port (listen on 0, read it, close). Another process could take it in between; fine for tests. */
export async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((ok, fail) => s.once("error", fail).listen(0, "127.0.0.1", () => ok()));
  const { port } = s.address() as AddressInfo;
  await new Promise<void>((ok) => s.close(() => ok()));
  return port;
}

export type TcpProxy = {
  port: number;
  url: string;
  /** Connections accepted so far. */
  connections(): number;
  /** Listen (again) on the same port. */
  start(): Promise<void>;
  /** Stop listening and reset every open connection: the far side looks down (connection refused). */
  stop(): Promise<void>;
  /** Reset every open connection (TCP RST both ways) but keep listening: a network cut or a crashed peer. */
  cut(): void;
};

/**
 * A byte-level TCP forwarder to `target` that tests can stop, restart and cut, to play a
 * marketplace that goes away or a provider whose connections die mid-stream.
 */
export async function createTcpProxy(target: { host?: string; port: number }, opts: { port?: number; listen?: boolean } = {}): Promise<TcpProxy> {
  const port = opts.port ?? (await freePort());
  const open = new Set<Socket>();
  let server: Server | null = null;
  let accepted = 0;

  const track = (s: Socket) => {
    open.add(s);
    s.on("close", () => open.delete(s));
    s.on("error", () => {});
  };
  const reset = () => {
    for (const s of open) s.resetAndDestroy();
    open.clear();
  };

  const proxy: TcpProxy = {
    port,
    url: `http://127.0.0.1:${port}`,
    connections: () => accepted,
    async start() {
      if (server) return;
      const s = createServer((client) => {
        accepted++;
        const upstream = connect(target.port, target.host ?? "127.0.0.1");
        track(client);
        track(upstream);
        client.pipe(upstream);
        upstream.pipe(client);
        // Propagate resets and closes so neither side hangs on a half-dead connection.
        client.on("close", () => upstream.destroy());
        upstream.on("close", () => client.destroy());
      });
      await new Promise<void>((ok, fail) => s.once("error", fail).listen(port, "127.0.0.1", () => ok()));
      server = s;
    },
    async stop() {
      const s = server;
      server = null;
      if (!s) return;
      const closed = new Promise<void>((ok) => s.close(() => ok()));
      reset();
      await closed;
    },
    cut: reset,
  };
  if (opts.listen !== false) await proxy.start();
  return proxy;
}
