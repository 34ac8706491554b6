/**
 * Stripe's request encoding: `application/x-www-form-urlencoded` with bracket nesting, as the SDK writes it
 * (`metadata[org]=x`, `line_items[0][price_data][unit_amount]=500`, `expand[0]=a`; `expand[]=a` from curl).
 * `qs` is not installed here, so this is a small parser of exactly that grammar. Objects whose keys are all
 * array indices become arrays (ordered by index). Values stay strings, as Stripe receives them.
 */
export type FormValue = string | FormValue[] | { [key: string]: FormValue };
export type FormObject = { [key: string]: FormValue };

const FORBIDDEN_KEYS = new Set(["__proto__", "constructor", "prototype"]);

export class FormParseError extends Error {}

/** Splits `a[b][0][]` into ["a", "b", "0", ""]. */
function keyPath(rawKey: string): string[] {
  const open = rawKey.indexOf("[");
  if (open === -1) return [rawKey];
  const parts = [rawKey.slice(0, open)];
  const rest = rawKey.slice(open);
  const re = /\[([^[\]]*)\]/g;
  let consumed = 0;
  for (let m = re.exec(rest); m; m = re.exec(rest)) {
    if (m.index !== consumed) throw new FormParseError(`Invalid parameter name: ${rawKey}`);
    parts.push(m[1] ?? "");
    consumed = re.lastIndex;
  }
  if (consumed !== rest.length) throw new FormParseError(`Invalid parameter name: ${rawKey}`);
  return parts;
}

type Node = { [key: string]: Node | string };

export function parseForm(body: string): FormObject {
  const root: Node = Object.create(null) as Node;
  if (body.trim() === "") return {};
  for (const pair of body.split("&")) {
    if (pair === "") continue;
    const eq = pair.indexOf("=");
    const rawKey = decode(eq === -1 ? pair : pair.slice(0, eq));
    const value = eq === -1 ? "" : decode(pair.slice(eq + 1));
    const path = keyPath(rawKey);
    if (path[0] === "") throw new FormParseError(`Invalid parameter name: ${rawKey}`);
    let node = root;
    for (let i = 0; i < path.length; i++) {
      let key = path[i] as string;
      if (FORBIDDEN_KEYS.has(key)) throw new FormParseError(`Invalid parameter name: ${rawKey}`);
      // `a[]=x` appends: the next free index.
      if (key === "") key = String(Object.keys(node).length);
      const last = i === path.length - 1;
      const existing = node[key];
      if (last) {
        if (typeof existing === "object") throw new FormParseError(`Conflicting values for parameter: ${rawKey}`);
        node[key] = value;
      } else {
        if (typeof existing === "string") throw new FormParseError(`Conflicting values for parameter: ${rawKey}`);
        const child = existing ?? (Object.create(null) as Node);
        node[key] = child;
        node = child;
      }
    }
  }
  return finish(root) as FormObject;
}

function decode(s: string): string {
  try {
    return decodeURIComponent(s.replace(/\+/g, " "));
  } catch {
    throw new FormParseError("Invalid URL encoding in request body");
  }
}

function finish(node: Node | string): FormValue {
  if (typeof node === "string") return node;
  const keys = Object.keys(node);
  if (keys.length > 0 && keys.every((k) => /^(0|[1-9]\d{0,4})$/.test(k))) {
    return keys
      .map(Number)
      .sort((a, b) => a - b)
      .map((k) => finish(node[String(k)] as Node | string));
  }
  const out: { [key: string]: FormValue } = {};
  for (const k of keys) out[k] = finish(node[k] as Node | string);
  return out;
}
