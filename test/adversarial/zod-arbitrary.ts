// fast-check arbitraries derived from the wire's zod schemas, and hostile mutations of them.
//
// zod-fast-check (the maintained bridge) targets zod 3 and fast-check < 4 (peerDependencies
// zod ^3.18, fast-check <4); this project runs zod 4 and fast-check 4. zod 4 exports its schemas
// as JSON Schema (`z.toJSONSchema`), so arbitraries are generated from that: a field added to a
// schema is fuzzed without touching this file. `overrides` pin fields whose valid values must be
// real (ids from the database, loopback URLs) by their dotted path (`offers[].offer_id`).
import fc from "fast-check";
import { z } from "zod";

type JsonSchema = {
  type?: string;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  items?: JsonSchema;
  minItems?: number;
  maxItems?: number;
  enum?: unknown[];
  const?: unknown;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
  minLength?: number;
  maxLength?: number;
  pattern?: string;
  format?: string;
};

export type Overrides = Record<string, fc.Arbitrary<unknown>>;

/** Valid (or nearly valid, where JSON Schema is looser than zod's refinements) values of `schema`'s input. */
export function arbitraryFromZod(schema: z.ZodType, overrides: Overrides = {}): fc.Arbitrary<unknown> {
  const json = z.toJSONSchema(schema, { io: "input", unrepresentable: "any" }) as JsonSchema;
  return fromJsonSchema(json, "", overrides);
}

const join = (path: string, key: string) => (path ? `${path}.${key}` : key);

function fromJsonSchema(s: JsonSchema, path: string, overrides: Overrides): fc.Arbitrary<unknown> {
  const pinned = overrides[path];
  if (pinned) return pinned;
  if (s.const !== undefined) return fc.constant(s.const);
  if (s.enum) return fc.constantFrom(...s.enum);
  const alternatives = s.anyOf ?? s.oneOf;
  if (alternatives) return fc.oneof(...alternatives.map((a) => fromJsonSchema(a, path, overrides)));
  switch (s.type) {
    case "object": {
      const props = s.properties ?? {};
      const keys = Object.keys(props);
      const required = new Set(s.required ?? []);
      const record: Record<string, fc.Arbitrary<unknown>> = {};
      for (const k of keys) record[k] = fromJsonSchema(props[k]!, join(path, k), overrides);
      return fc.record(record, { requiredKeys: keys.filter((k) => required.has(k)) });
    }
    case "array":
      // Small arrays: the point is shape, not volume (volume has its own mutations).
      return fc.array(fromJsonSchema(s.items ?? {}, `${path}[]`, overrides), { minLength: s.minItems ?? 0, maxLength: Math.max(s.minItems ?? 0, Math.min(s.maxItems ?? 3, 3)) });
    case "string": {
      const minLength = s.minLength ?? 0;
      const maxLength = Math.max(minLength, Math.min(s.maxLength ?? 24, 24));
      if (s.pattern) return fc.stringMatching(new RegExp(s.pattern)).filter((v) => v.length >= minLength && v.length <= (s.maxLength ?? Infinity));
      if (s.format === "uri") return fc.constantFrom("http://127.0.0.1:9", "http://localhost:9/");
      return fc.string({ minLength, maxLength });
    }
    case "integer": {
      const min = Math.max(s.minimum ?? -1_000_000, s.exclusiveMinimum !== undefined ? s.exclusiveMinimum + 1 : -Infinity, -1_000_000);
      const max = Math.min(s.maximum ?? 1_000_000, s.exclusiveMaximum !== undefined ? s.exclusiveMaximum - 1 : Infinity, Math.max(min, 1_000_000));
      return fc.integer({ min, max: Math.max(min, max) });
    }
    case "number": {
      const min = s.minimum ?? s.exclusiveMinimum ?? -1_000_000;
      const max = s.maximum ?? s.exclusiveMaximum ?? 1_000_000;
      return fc.double({ min, max: Math.max(min, max), minExcluded: s.exclusiveMinimum !== undefined, maxExcluded: s.exclusiveMaximum !== undefined, noNaN: true, noDefaultInfinity: true });
    }
    case "boolean":
      return fc.boolean();
    case "null":
      return fc.constant(null);
    default:
      return fc.jsonValue({ maxDepth: 2 });
  }
}

/** Replaced in the serialized body by 20,000 levels of nesting (JSON.stringify itself cannot build that). */
export const DEEP_ARRAY = "@@DEEP_ARRAY@@";
export const DEEP_OBJECT = "@@DEEP_OBJECT@@";
/** Replaced by a string of about 3 MB (under the 4 MiB body limit). */
export const HUGE_STRING = "@@HUGE_STRING@@";
const DEPTH = 20_000;

/** Values that have broken parsers, money maths and databases before. */
export const hostileValue: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom<unknown>(
    null, true, false, 0, -0, -1, -1e-9, 0.5, 1e-300, 1e308, -1e308, 3_000_000_000, 2 ** 31, 2 ** 53 + 2, 2 ** 63, 2 ** 64, 1e21,
    "99999999999999999999", "99999999999", "9223372036854775808", "-1", "0", "1e3", "1e309", "NaN", "Infinity", "-Infinity", "0x10", " 1", "1.0000000001", "",
    "\u0000", "a\u0000b", "\ud800", "\udfff\ud800", "\u202e", "🙂".repeat(50), "%E0%A4%A", "'; drop table ledger_lines; --", "${jndi:ldap://x}", "../../etc/passwd",
    [], {}, [[]], [null], { "": null }, { __proto__: null }, JSON.parse('{"__proto__":{"polluted":true}}'), { constructor: { prototype: { polluted: true } } },
    DEEP_ARRAY, DEEP_OBJECT, HUGE_STRING,
  ) },
  // The shapes that stranded holds and stalled parsers get their own weight, not 3 in 50 constants.
  { weight: 1, arbitrary: fc.constantFrom(DEEP_ARRAY, DEEP_OBJECT, HUGE_STRING) },
  { weight: 1, arbitrary: fc.string({ unit: "binary", maxLength: 40 }) },
  { weight: 1, arbitrary: fc.double() }, // NaN and ±Infinity serialize as null
  { weight: 1, arbitrary: fc.bigInt({ min: -(2n ** 130n), max: 2n ** 130n }).map((n) => n.toString()) },
  { weight: 1, arbitrary: fc.integer() },
  { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 3 }) },
);

type Mutation = { pick: number; op: "replace" | "delete" | "unknown-field" | "unknown-root" | "wrap-array"; value: unknown; key: string };

const mutation: fc.Arbitrary<Mutation> = fc.record({
  pick: fc.nat(),
  // unknown-root: a loose top-level field (`metadata`, …) passes validation, so its value reaches everything after it.
  op: fc.constantFrom<Mutation["op"]>("replace", "replace", "replace", "delete", "unknown-field", "unknown-root", "unknown-root", "wrap-array"),
  value: hostileValue,
  key: fc.oneof(fc.constantFrom("__proto__", "constructor", "metadata", "spotlane", "x".repeat(300), "\u0000"), fc.string({ maxLength: 12 })),
});

/** Every path of a JSON-like value, the root included (`[]` is the root). */
function paths(v: unknown, prefix: (string | number)[] = [], out: (string | number)[][] = []): (string | number)[][] {
  out.push(prefix);
  if (Array.isArray(v)) v.forEach((x, i) => paths(x, [...prefix, i], out));
  else if (v && typeof v === "object") for (const [k, x] of Object.entries(v)) paths(x, [...prefix, k], out);
  return out;
}

/** Assignment would treat "__proto__" as the prototype; a hostile body means it as a plain key. */
function setKey(o: Record<string | number, unknown>, k: string | number, v: unknown) {
  Object.defineProperty(o, k, { value: v, enumerable: true, writable: true, configurable: true });
}

function applyMutation(root: unknown, m: Mutation): unknown {
  if (m.op === "unknown-root") return applyMutation(root, { ...m, op: "unknown-field", pick: 0 });
  const all = paths(root);
  const path = all[m.pick % all.length]!;
  if (path.length === 0) {
    if (m.op === "unknown-field" && root && typeof root === "object" && !Array.isArray(root)) {
      const copy = { ...root } as Record<string, unknown>;
      setKey(copy, m.key, m.value);
      return copy;
    }
    return m.op === "wrap-array" ? [root] : m.op === "replace" ? m.value : root;
  }
  const copy = structuredClone(root) as Record<string | number, unknown>;
  let parent = copy;
  for (const p of path.slice(0, -1)) parent = parent[p] as Record<string | number, unknown>;
  const last = path[path.length - 1]!;
  if (m.op === "replace") setKey(parent, last, m.value);
  else if (m.op === "delete") {
    if (Array.isArray(parent)) parent.splice(Number(last), 1);
    else delete parent[last];
  } else if (m.op === "wrap-array") setKey(parent, last, [parent[last]]);
  else {
    const target = parent[last];
    if (target && typeof target === "object" && !Array.isArray(target)) setKey(target as Record<string, unknown>, m.key, m.value);
    else setKey(parent, last, m.value);
  }
  return copy;
}

/** A valid value with one to three hostile mutations at random places. */
export function mutated(valid: fc.Arbitrary<unknown>): fc.Arbitrary<unknown> {
  return fc.tuple(valid, fc.array(mutation, { minLength: 1, maxLength: 3 })).map(([v, ms]) => ms.reduce(applyMutation, v));
}

const deepArray = "[".repeat(DEPTH) + "]".repeat(DEPTH);
const deepObject = '{"a":'.repeat(DEPTH) + "1" + "}".repeat(DEPTH);
let hugeString: string | null = null;

/** The body as sent: JSON with the placeholders expanded into what JSON.stringify could not write. */
export function serializeBody(value: unknown): string {
  let text = JSON.stringify(value) ?? "null";
  if (text.includes(DEEP_ARRAY)) text = text.split(JSON.stringify(DEEP_ARRAY)).join(deepArray);
  if (text.includes(DEEP_OBJECT)) text = text.split(JSON.stringify(DEEP_OBJECT)).join(deepObject);
  if (text.includes(HUGE_STRING)) text = text.split(HUGE_STRING).join((hugeString ??= "y".repeat(3 * 1024 * 1024)));
  return text;
}

/** Raw-level damage to a serialized body: truncation, broken UTF-8, a BOM, an empty or non-JSON body. */
export const rawDamage: fc.Arbitrary<(body: string) => Buffer> = fc.oneof(
  // Most bodies go as serialized, so the schema-level mutations (and valid bodies) get through to admission.
  { weight: 12, arbitrary: fc.constant((b: string) => Buffer.from(b)) },
  fc.nat().map((n) => (b: string) => Buffer.from(b.slice(0, n % Math.max(1, b.length)))),
  fc.constant((b: string) => Buffer.concat([Buffer.from(b.slice(0, Math.floor(b.length / 2))), Buffer.from([0xc3, 0x28, 0xff, 0xfe, 0xe0, 0xa4]), Buffer.from(b.slice(Math.floor(b.length / 2)))])),
  fc.constant((b: string) => Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(b)])),
  fc.constant(() => Buffer.alloc(0)),
  fc.constant((b: string) => Buffer.from(`${b}${b}`)),
  fc.constant(() => Buffer.from("null")),
);
