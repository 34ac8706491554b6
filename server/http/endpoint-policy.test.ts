import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { readEnv } from "../env";
import { addressRange, EndpointNotAllowedError, EndpointPolicy, isPublicAddress, parseAllowEntry, type LookupAll } from "./endpoint-policy";

const publicOnly = new EndpointPolicy();
const refusedUrl = (policy: EndpointPolicy, url: string) => {
  try {
    policy.parse(url);
    return null;
  } catch (err) {
    expect(err).toBeInstanceOf(EndpointNotAllowedError);
    return (err as Error).message;
  }
};
const lookupOf =
  (table: Record<string, string[]>): LookupAll =>
  async (hostname) => {
    const addresses = table[hostname];
    if (!addresses) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: "ENOTFOUND" });
    return addresses.map((address) => ({ address, family: address.includes(":") ? 6 : 4 }));
  };

describe("address classification", () => {
  it.each([
    ["0.0.0.0", "unspecified"],
    ["0.1.2.3", "unspecified"],
    ["127.0.0.1", "loopback"],
    ["127.255.255.254", "loopback"],
    ["10.1.2.3", "private"],
    ["172.16.0.1", "private"],
    ["172.31.255.255", "private"],
    ["192.168.1.1", "private"],
    ["169.254.169.254", "linkLocal"],
    ["100.64.0.1", "carrierGradeNat"],
    ["224.0.0.1", "multicast"],
    ["239.255.255.250", "multicast"],
    ["255.255.255.255", "broadcast"],
    ["240.0.0.1", "reserved"],
    ["192.0.2.1", "reserved"],
    ["::1", "loopback"],
    ["::", "unspecified"],
    ["fc00::1", "uniqueLocal"],
    ["fd12:3456::1", "uniqueLocal"],
    ["fe80::1", "linkLocal"],
    ["ff02::1", "multicast"],
    // IPv4-mapped and -compatible IPv6 are judged as the IPv4 address they reach.
    ["::ffff:127.0.0.1", "loopback"],
    ["::ffff:7f00:1", "loopback"],
    ["::ffff:10.0.0.1", "private"],
    ["::ffff:169.254.169.254", "linkLocal"],
    // NAT64 is judged by the IPv4 address it embeds.
    ["64:ff9b::7f00:1", "loopback"],
    ["64:ff9b::a00:1", "private"],
    ["2002:7f00:1::", "6to4"],
    ["2001::1", "teredo"],
  ])("%s is %s, not public", (address, range) => {
    expect(addressRange(address)).toBe(range);
    expect(isPublicAddress(address)).toBe(false);
    expect(publicOnly.addressRefusal(address, 80)).not.toBeNull();
  });

  it.each(["8.8.8.8", "1.1.1.1", "172.32.0.1", "100.128.0.1", "2606:4700::1111", "2a00:1450:4001::200e", "::ffff:8.8.8.8", "64:ff9b::808:808"])("%s is public", (address) => {
    expect(isPublicAddress(address)).toBe(true);
    expect(publicOnly.addressRefusal(address, 443)).toBeNull();
  });

  it("refuses every address of the private IPv4 blocks", () => {
    const octet = fc.integer({ min: 0, max: 255 });
    fc.assert(
      fc.property(fc.constantFrom("10", "127", "192.168", "169.254", "0"), fc.tuple(octet, octet, octet), (prefix, [a, b, c]) => {
        const parts = prefix.split(".");
        const address = [...parts, a, b, c].slice(0, 4).join(".");
        expect(publicOnly.addressRefusal(address, 8080)).not.toBeNull();
      }),
    );
  });
});

describe("endpoint URLs", () => {
  it.each([
    "http://127.0.0.1:5432",
    "http://127.1:5432",
    "http://0:8080",
    "http://0.0.0.0:8080",
    "http://2130706433:8080",
    "http://0x7f.1:8080",
    "http://0x7f000001/",
    "http://017700000001/",
    "http://[::1]:5432",
    "http://[::]:80",
    "http://[::ffff:127.0.0.1]:5432",
    "http://[::ffff:7f00:1]/",
    "http://[fd00::1]/",
    "http://[fe80::1]/",
    "http://169.254.169.254/latest/meta-data/",
    "http://10.0.0.5:8080",
    "http://192.168.0.1",
    "http://100.64.1.1",
    "http://224.0.0.1",
    "http://255.255.255.255",
    "https://127.0.0.1:8443",
  ])("refuses %s (WHATWG URL parsing normalizes the odd IPv4 forms)", (url) => {
    expect(refusedUrl(publicOnly, url)).toMatch(/only calls agents at public addresses/);
  });

  it.each([
    ["ftp://203.0.114.1/", /http:\/\/ or https:\/\//],
    ["file:///etc/passwd", /http:\/\/ or https:\/\//],
    ["gopher://8.8.8.8:70/", /http:\/\/ or https:\/\//],
    ["http://user:secret@8.8.8.8/", /credentials/],
    ["http://user@8.8.8.8/", /credentials/],
    ["not a url", /not a valid URL/],
  ])("refuses %s", (url, message) => {
    expect(refusedUrl(publicOnly, url)).toMatch(message);
  });

  it("accepts http(s) to public addresses and hostnames (those are checked after resolution)", () => {
    expect(publicOnly.parse("http://8.8.8.8:8080")).toEqual({ hostname: "8.8.8.8", port: 8080, protocol: "http:" });
    expect(publicOnly.parse("https://[2606:4700::1111]/")).toEqual({ hostname: "2606:4700::1111", port: 443, protocol: "https:" });
    expect(publicOnly.parse("http://agent.example.com")).toEqual({ hostname: "agent.example.com", port: 80, protocol: "http:" });
  });

  it("names the refused URL and how an operator opens private networks, but nothing internal", () => {
    const message = refusedUrl(publicOnly, "http://0:5432")!;
    expect(message).toContain("http://0:5432");
    expect(message).toContain("is refused: it is an unspecified address");
    expect(refusedUrl(publicOnly, "http://[::1]:5432")).toContain("it is a loopback address");
    expect(refusedUrl(publicOnly, "http://10.0.0.1:5432")).toContain("it is a private network address");
    expect(message).toContain("PROVIDER_ALLOWED_NETWORKS");
  });
});

describe("resolution (the connection-time check)", () => {
  const dns = lookupOf({
    "evil.example": ["127.0.0.1"],
    "metadata.example": ["169.254.169.254"],
    "mixed.example": ["10.0.0.7", "8.8.4.4"],
    "v6.example": ["::1"],
    "public.example": ["8.8.8.8", "2606:4700::1111"],
    "agent.internal": ["10.1.2.3"],
  });

  it("refuses a hostname that resolves only to non-public addresses", async () => {
    const policy = new EndpointPolicy({ lookup: dns });
    for (const host of ["evil.example", "metadata.example", "v6.example"]) {
      await expect(policy.resolve(host, 80)).rejects.toBeInstanceOf(EndpointNotAllowedError);
    }
  });

  it("connects only to the allowed ones among the addresses a name resolves to", async () => {
    const policy = new EndpointPolicy({ lookup: dns });
    expect(await policy.resolve("mixed.example", 80)).toEqual(["8.8.4.4"]);
    expect(await policy.resolve("public.example", 80)).toEqual(["8.8.8.8", "2606:4700::1111"]);
  });

  it("checks IP literals without DNS", async () => {
    const policy = new EndpointPolicy({ lookup: async () => expect.unreachable("no lookup for literals") });
    await expect(policy.resolve("127.0.0.1", 80)).rejects.toBeInstanceOf(EndpointNotAllowedError);
    expect(await policy.resolve("8.8.8.8", 80)).toEqual(["8.8.8.8"]);
  });

  it("refuses at registration a name that resolves to loopback, and one that does not exist", async () => {
    const policy = new EndpointPolicy({ lookup: dns });
    await expect(policy.check("http://evil.example:5432")).rejects.toThrow(/evil\.example is refused: 127\.0\.0\.1 is a loopback address/);
    await expect(policy.check("http://nowhere.example")).rejects.toThrow(/does not resolve/);
    await expect(policy.check("http://public.example:8080")).resolves.toMatchObject({ hostname: "public.example", port: 8080 });
  });

  it("lets a resolver hiccup through registration (the connection-time check still applies)", async () => {
    const policy = new EndpointPolicy({ lookup: async () => Promise.reject(Object.assign(new Error("getaddrinfo EAI_AGAIN"), { code: "EAI_AGAIN" })) });
    await expect(policy.check("http://flaky.example")).resolves.toMatchObject({ hostname: "flaky.example" });
    await expect(policy.resolve("flaky.example", 80)).rejects.toThrow(/EAI_AGAIN/);
  });

  it("refuses `localhost` with the real resolver", async () => {
    await expect(new EndpointPolicy().check("http://localhost:5432")).rejects.toBeInstanceOf(EndpointNotAllowedError);
  });
});

describe("allow-list (PROVIDER_ALLOWED_NETWORKS)", () => {
  it("parses CIDRs, addresses, address:port and host[:port] entries", () => {
    expect(parseAllowEntry("10.0.0.0/8")).toMatchObject({ kind: "network" });
    expect(parseAllowEntry("fd00::/8")).toMatchObject({ kind: "network" });
    expect(parseAllowEntry("192.168.1.20")).toMatchObject({ kind: "network" });
    expect(parseAllowEntry("::1")).toMatchObject({ kind: "network" });
    expect(parseAllowEntry("127.0.0.1:8080")).toEqual({ kind: "address", address: "127.0.0.1", port: 8080 });
    expect(parseAllowEntry("[::1]:8080")).toEqual({ kind: "address", address: "0:0:0:0:0:0:0:1", port: 8080 });
    expect(parseAllowEntry("Agent.Internal:8787")).toEqual({ kind: "host", hostname: "agent.internal", port: 8787 });
    expect(parseAllowEntry("agent.internal")).toEqual({ kind: "host", hostname: "agent.internal", port: null });
  });

  it.each(["10.0.0.0/33", "10.0.0.0/x", "nonsense/8", "http://10.0.0.1", "10.0.0.1:0", "10.0.0.1:70000", "user@host:1", "a b"])("rejects the entry %s", (entry) => {
    expect(() => parseAllowEntry(entry)).toThrow(/is not a network/);
  });

  it("is read and validated by the env module", () => {
    expect(readEnv({}).PROVIDER_ALLOWED_NETWORKS).toEqual([]);
    expect(readEnv({ PROVIDER_ALLOWED_NETWORKS: " 10.0.0.0/8, [::1]:8080 ,," }).PROVIDER_ALLOWED_NETWORKS).toEqual(["10.0.0.0/8", "[::1]:8080"]);
    expect(() => readEnv({ PROVIDER_ALLOWED_NETWORKS: "10.0.0.0/8,10.0.0.0/99" })).toThrow(/PROVIDER_ALLOWED_NETWORKS: '10\.0\.0\.0\/99' is not a network/);
  });

  it("opens a network for every port, and nothing beyond it", () => {
    const policy = new EndpointPolicy({ allowed: "10.0.0.0/8,fd00::/8" });
    expect(policy.addressRefusal("10.9.8.7", 5432)).toBeNull();
    expect(policy.addressRefusal("::ffff:10.9.8.7", 5432)).toBeNull();
    expect(policy.addressRefusal("fd00::7", 80)).toBeNull();
    expect(policy.addressRefusal("11.0.0.1", 80)).toBeNull(); // public anyway
    expect(policy.addressRefusal("192.168.0.1", 80)).not.toBeNull();
    expect(policy.addressRefusal("127.0.0.1", 80)).not.toBeNull();
    expect(refusedUrl(policy, "http://10.0.0.5:8080")).toBeNull();
  });

  it("an address:port entry opens that port only", () => {
    const policy = new EndpointPolicy({ allowed: ["127.0.0.1:8080", "[::1]:9090"] });
    expect(refusedUrl(policy, "http://127.0.0.1:8080")).toBeNull();
    expect(refusedUrl(policy, "http://2130706433:8080")).toBeNull();
    expect(refusedUrl(policy, "http://[0:0:0:0:0:0:0:1]:9090")).toBeNull();
    expect(refusedUrl(policy, "http://127.0.0.1:5432")).not.toBeNull();
    expect(refusedUrl(policy, "http://127.0.0.2:8080")).not.toBeNull();
    expect(refusedUrl(policy, "http://[::1]:8080")).not.toBeNull();
  });

  it("a host entry allows that name (at its port) to resolve anywhere, and no other name to the same address", async () => {
    const dns = lookupOf({ "agent.internal": ["10.1.2.3"], "other.example": ["10.1.2.3"] });
    const policy = new EndpointPolicy({ allowed: "agent.internal:8787", lookup: dns });
    expect(await policy.resolve("agent.internal", 8787)).toEqual(["10.1.2.3"]);
    await expect(policy.resolve("agent.internal", 22)).rejects.toBeInstanceOf(EndpointNotAllowedError);
    await expect(policy.resolve("other.example", 8787)).rejects.toBeInstanceOf(EndpointNotAllowedError);
    expect(refusedUrl(policy, "http://10.1.2.3:8787")).not.toBeNull();
  });

  it("allowEndpoint admits exactly one more host:port (the embedded demo's agent)", () => {
    const policy = new EndpointPolicy();
    policy.allowEndpoint("127.0.0.1", 41234);
    expect(refusedUrl(policy, "http://127.0.0.1:41234")).toBeNull();
    expect(refusedUrl(policy, "http://127.0.0.1:41235")).not.toBeNull();
    expect(refusedUrl(policy, "http://127.0.0.1:5432")).not.toBeNull();
    expect(refusedUrl(new EndpointPolicy(), "http://127.0.0.1:41234")).not.toBeNull();
  });
});
