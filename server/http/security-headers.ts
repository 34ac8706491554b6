/**
 * Headers for every response the dashboard (Next.js) sends, set by server/main.ts before Next runs.
 *
 * The CSP allows 'unsafe-inline' scripts and styles: Next's App Router inlines its bootstrap and flight
 * data as <script> tags, and per-request nonces would force every page to render dynamically (and need a
 * proxy.ts to mint them). Everything else is same-origin only, framing is refused (clickjacking), and no
 * plugin or base-URL tricks. Development adds what React's dev build and HMR need ('unsafe-eval', ws:).
 */
export function dashboardSecurityHeaders(opts: { dev: boolean; https: boolean }): ReadonlyArray<readonly [string, string]> {
  const csp = [
    "default-src 'self'",
    `script-src 'self' 'unsafe-inline'${opts.dev ? " 'unsafe-eval'" : ""}`,
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob:",
    "font-src 'self' data:",
    `connect-src 'self'${opts.dev ? " ws: wss:" : ""}`,
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join("; ");
  const headers: [string, string][] = [
    ["content-security-policy", csp],
    ["x-frame-options", "DENY"],
    ["x-content-type-options", "nosniff"],
    ["referrer-policy", "strict-origin-when-cross-origin"],
    ["permissions-policy", "camera=(), microphone=(), geolocation=()"],
  ];
  // Only when the public URL is https: HSTS on a plain-http deployment would lock browsers out of it.
  if (opts.https) headers.push(["strict-transport-security", "max-age=31536000; includeSubDomains"]);
  return headers;
}
