/**
 * The fake's node:http server: Stripe's auth, version pinning, the Stripe-Account header (Connect), Idempotency-Key
 * replay (per account), failure injection, routing to the resource files, `expand[]`, Stripe's error JSON, and the
 * hosted pages. Handlers are synchronous, so every API call is atomic (as one Stripe request is) and two calls
 * with one idempotency key cannot both execute.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { FakeStripeError, invalidRequest, type StripeErrorBody } from "./errors";
import { FormParseError, parseForm, type FormObject } from "./form";
import { expandPaths } from "./params";
import type { Route } from "./router";
import { applyExpand } from "./expand";
import { hostedCheckoutGet, hostedCheckoutPost, invoicePage, receiptPage, type PageResponse } from "./hosted-page";
import { accountAccessError } from "./accounts";
import { onboardingGet, onboardingPost, expressDashboardPage } from "./onboarding-page";
import { API_VERSION, snapshot, type Store } from "./store";

export type FailureMode = "500" | "429" | "reset" | "reset_after";
export type FailureRule = { method?: string; path: RegExp; remaining: number; how: FailureMode };

type Saved = { method: string; path: string; params: string; status: number; body: string; requestId: string };
type Reply = { status: number; body: string; headers: Record<string, string> };

const MAX_BODY_BYTES = 1 << 20;

export function createFakeServer(store: Store, routes: Route[], failures: FailureRule[]): Server {
  const idempotency = new Map<string, Saved>();

  function takeFailure(method: string, path: string): FailureMode | null {
    const rule = failures.find((f) => f.remaining > 0 && (!f.method || f.method.toUpperCase() === method) && f.path.test(path));
    if (!rule) return null;
    rule.remaining--;
    return rule.how;
  }

  function errorReply(status: number, error: StripeErrorBody, headers: Record<string, string> = {}): Reply {
    return { status, body: JSON.stringify({ error }, null, 2), headers };
  }

  function authError(req: IncomingMessage): Reply | null {
    const header = req.headers.authorization ?? "";
    let key: string | null = null;
    if (header.startsWith("Bearer ")) key = header.slice(7).trim();
    else if (header.startsWith("Basic ")) key = Buffer.from(header.slice(6), "base64").toString("utf8").split(":")[0] ?? null;
    if (!key) return errorReply(401, { type: "invalid_request_error", message: "You did not provide an API key. You need to provide your API key in the Authorization header, using Bearer auth (e.g. 'Authorization: Bearer YOUR_SECRET_KEY')." });
    if (key !== store.secretKey) return errorReply(401, { type: "invalid_request_error", message: `Invalid API Key provided: ${key.slice(0, 8)}********${key.slice(-4)}` });
    return null;
  }

  /**
   * `Stripe-Account: acct_…` (the SDK's `{ stripeAccount }`): act as that connected account. One the platform
   * does not control (unknown, or it disconnected the platform) answers 403 as Stripe does.
   */
  function connectedAccount(req: IncomingMessage): { account: string | null; error: Reply | null } {
    const raw = req.headers["stripe-account"];
    const account = typeof raw === "string" && raw.trim() !== "" ? raw.trim() : null;
    if (account === null || (store.accounts.has(account) && !store.deauthorized.has(account))) return { account, error: null };
    const e = accountAccessError(store, account);
    return { account, error: errorReply(e.status, e.body) };
  }

  function execute(method: string, path: string, body: FormObject, account: string | null): Reply {
    for (const r of routes) {
      if (r.method !== method) continue;
      const m = r.path.exec(path);
      if (!m) continue;
      if (r.scope === "platform" && account !== null) throw invalidRequest(`fake-stripe models ${method} ${path} on the platform account only (the request carried Stripe-Account: ${account}).`);
      if (r.scope === "connected" && account === null) throw invalidRequest(`fake-stripe models ${method} ${path} on connected accounts only: send the Stripe-Account header (the SDK's { stripeAccount }).`);
      const params = m.slice(1).map((p) => decodeURIComponent(p));
      const result = r.handler({ store, params, body, account });
      const out = applyExpand(store, snapshot(result), expandPaths(body));
      return { status: 200, body: JSON.stringify(out, null, 2), headers: {} };
    }
    throw invalidRequest(`Unrecognized request URL (${method}: ${path}). Please see https://stripe.com/docs or we can help at https://support.stripe.com/.`, { status: 404 });
  }

  function api(req: IncomingMessage, method: string, path: string, raw: string, query: string): Reply & { failure?: FailureMode } {
    const auth = authError(req);
    if (auth) return auth;
    const version = req.headers["stripe-version"];
    if (typeof version === "string" && version !== API_VERSION) {
      return errorReply(400, { type: "invalid_request_error", message: `fake-stripe speaks API version ${API_VERSION} only (request asked for ${version}).` });
    }
    const { account, error: accountError } = connectedAccount(req);
    if (accountError) return accountError;
    const failure = takeFailure(method, path);
    if (failure === "500") return errorReply(500, { type: "api_error", message: "An unknown error occurred (injected by fake-stripe failNext)." });
    if (failure === "429") return errorReply(429, { type: "invalid_request_error", code: "rate_limit", message: "Request rate limit exceeded. Learn more about rate limits here https://stripe.com/docs/rate-limits." }, { "retry-after": "1" });
    if (failure === "reset") return { status: 0, body: "", headers: {}, failure };
    const requestId = store.id("req");
    let body: FormObject;
    try {
      body = parseForm(method === "POST" ? raw : query);
    } catch (e) {
      if (e instanceof FormParseError) return errorReply(400, { type: "invalid_request_error", message: e.message });
      throw e;
    }
    const key = method === "POST" ? ((req.headers["idempotency-key"] as string | undefined) ?? null) : null;
    const params = JSON.stringify(body);
    // Stripe scopes idempotency keys per account: one key sent for two connected accounts is two requests.
    const scopedKey = key === null ? null : `${account ?? "platform"}\u0000${key}`;
    if (key !== null && scopedKey !== null) {
      const saved = idempotency.get(scopedKey);
      if (saved) {
        if (saved.method !== method || saved.path !== path || saved.params !== params) {
          return errorReply(400, { type: "idempotency_error", message: `Keys for idempotent requests can only be used with the same parameters they were first used with. Try using a key other than '${key}' if you meant to execute a different request.` });
        }
        const replay: Reply = { status: saved.status, body: saved.body, headers: { "idempotent-replayed": "true", "request-id": saved.requestId, "idempotency-key": key } };
        return failure === "reset_after" ? { ...replay, failure } : replay;
      }
    }
    store.request = { id: requestId, idempotency_key: key };
    let reply: Reply;
    let save = true;
    try {
      reply = execute(method, path, body, account);
    } catch (e) {
      if (!(e instanceof FakeStripeError)) throw e;
      reply = errorReply(e.status, { ...e.body, request_log_url: `${store.apiBase}/logs/${requestId}` });
      save = e.saved;
    } finally {
      store.request = null;
    }
    if (scopedKey !== null && save) idempotency.set(scopedKey, { method, path, params, status: reply.status, body: reply.body, requestId });
    reply.headers["request-id"] = requestId;
    if (key !== null) reply.headers["idempotency-key"] = key;
    return failure === "reset_after" ? { ...reply, failure } : reply;
  }

  function pages(method: string, path: string, raw: string): PageResponse | null {
    const pay = /^\/checkout\/pay\/([^/]+)$/.exec(path);
    if (pay) {
      const id = decodeURIComponent(pay[1] as string);
      if (method === "GET") return hostedCheckoutGet(store, id);
      if (method === "POST") {
        const form = parseForm(raw);
        return hostedCheckoutPost(store, id, typeof form.method === "string" ? form.method : undefined);
      }
    }
    const receipt = /^\/receipts\/([^/]+)$/.exec(path);
    if (receipt && method === "GET") return receiptPage(store, decodeURIComponent(receipt[1] as string));
    const invoice = /^\/invoices\/([^/]+?)(\/pdf)?$/.exec(path);
    if (invoice && method === "GET") return invoicePage(store, decodeURIComponent(invoice[1] as string));
    const onboarding = /^\/connect\/onboarding\/([^/]+)$/.exec(path);
    if (onboarding) {
      const token = decodeURIComponent(onboarding[1] as string);
      if (method === "GET") return onboardingGet(store, token);
      if (method === "POST") {
        const form = parseForm(raw);
        return onboardingPost(store, token, typeof form.action === "string" ? form.action : undefined);
      }
    }
    const express = /^\/connect\/express\/([^/]+)$/.exec(path);
    if (express && method === "GET") return expressDashboardPage(store, decodeURIComponent(express[1] as string));
    return null;
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const method = (req.method ?? "GET").toUpperCase();
    const url = new URL(req.url ?? "/", "http://fake-stripe.invalid");
    const raw = await readBody(req);
    if (url.pathname.startsWith("/v1/")) {
      const reply = api(req, method, url.pathname, raw, url.search.slice(1));
      if (reply.failure === "reset" || reply.failure === "reset_after") {
        req.socket.destroy();
        return;
      }
      res.writeHead(reply.status, { "content-type": "application/json", "stripe-version": API_VERSION, ...reply.headers });
      res.end(reply.body);
      return;
    }
    const page = pages(method, url.pathname, raw);
    if (page) {
      res.writeHead(page.status, page.headers);
      res.end(page.body);
      return;
    }
    res.writeHead(404, { "content-type": "text/plain" });
    res.end("fake-stripe: not found");
  }

  return createServer((req, res) => {
    handle(req, res).catch((e: unknown) => {
      const message = e instanceof Error ? e.message : String(e);
      if (res.headersSent) {
        res.destroy();
        return;
      }
      res.writeHead(e instanceof PayloadTooLarge ? 413 : 500, { "content-type": "application/json" });
      res.end(JSON.stringify({ error: { type: "api_error", message: `fake-stripe internal error: ${message}` } }));
    });
  });
}

class PayloadTooLarge extends Error {}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY_BYTES) {
        reject(new PayloadTooLarge("request body too large"));
        req.destroy();
        return;
      }
      chunks.push(c);
    });
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}
