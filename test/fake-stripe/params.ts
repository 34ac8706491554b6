/**
 * Request parameter checks, strict like Stripe's: an unknown parameter is refused ("Received unknown parameter:
 * …"), so code written against an older API (v23 dropped Checkout's `payment_method_types`) fails here too.
 */
import type { FormObject, FormValue } from "./form";
import { invalidRequest } from "./errors";

/** true = a scalar, "map" = free-form string map (metadata), "list" = array of scalars, an object = nested spec, [spec] = array of those. */
export type ParamSpec = { [key: string]: true | "map" | "list" | ParamSpec | [ParamSpec] };

const ALWAYS_ALLOWED = new Set(["expand"]);

export function allowOnly(body: FormObject, spec: ParamSpec, prefix = ""): void {
  for (const [key, value] of Object.entries(body)) {
    const name = prefix ? `${prefix}[${key}]` : key;
    if (!prefix && ALWAYS_ALLOWED.has(key)) continue;
    const rule = spec[key];
    if (rule === undefined) throw invalidRequest(`Received unknown parameter: ${name}`, { param: name, code: "parameter_unknown" });
    if (rule === true) {
      if (typeof value !== "string") throw invalidRequest(`Invalid ${name}: must be a scalar`, { param: name });
    } else if (rule === "list") {
      if (!Array.isArray(value) || value.some((v) => typeof v !== "string")) throw invalidRequest(`Invalid array`, { param: name });
    } else if (rule === "map") {
      if (value === "") continue;
      if (typeof value !== "object" || Array.isArray(value)) throw invalidRequest(`Invalid object`, { param: name });
      for (const [k, v] of Object.entries(value)) if (typeof v !== "string") throw invalidRequest(`Invalid ${name}[${k}]: must be a string`, { param: `${name}[${k}]` });
    } else if (Array.isArray(rule)) {
      if (!Array.isArray(value)) throw invalidRequest(`Invalid array`, { param: name });
      value.forEach((item, i) => {
        if (typeof item !== "object" || Array.isArray(item)) throw invalidRequest(`Invalid object`, { param: `${name}[${i}]` });
        allowOnly(item, rule[0], `${name}[${i}]`);
      });
    } else {
      if (typeof value !== "object" || Array.isArray(value)) throw invalidRequest(`Invalid object`, { param: name });
      allowOnly(value, rule, name);
    }
  }
}

export function sub(body: FormObject, key: string): FormObject | undefined {
  const v = body[key];
  return v && typeof v === "object" && !Array.isArray(v) ? v : undefined;
}

export function list(body: FormObject, key: string): FormObject[] {
  const v = body[key];
  return Array.isArray(v) ? (v.filter((x) => typeof x === "object" && !Array.isArray(x)) as FormObject[]) : [];
}

export function optString(body: FormObject, key: string): string | undefined {
  const v = body[key];
  return typeof v === "string" && v !== "" ? v : undefined;
}

export function reqString(body: FormObject, key: string, param = key): string {
  const v = optString(body, key);
  if (v === undefined) throw invalidRequest(`Missing required param: ${param}.`, { param, code: "parameter_missing" });
  return v;
}

export function optInt(body: FormObject, key: string, param = key): number | undefined {
  const v = optString(body, key);
  if (v === undefined) return undefined;
  if (!/^-?\d+$/.test(v) || !Number.isSafeInteger(Number(v))) throw invalidRequest(`Invalid integer: ${v}`, { param, code: "parameter_invalid_integer" });
  return Number(v);
}

export function reqInt(body: FormObject, key: string, param = key): number {
  const v = optInt(body, key, param);
  if (v === undefined) throw invalidRequest(`Missing required param: ${param}.`, { param, code: "parameter_missing" });
  return v;
}

export function optBool(body: FormObject, key: string, param = key): boolean | undefined {
  const v = optString(body, key);
  if (v === undefined) return undefined;
  if (v !== "true" && v !== "false") throw invalidRequest(`Invalid boolean: ${v}`, { param, code: "parameter_invalid_boolean" });
  return v === "true";
}

export function optEnum<const T extends string>(body: FormObject, key: string, values: readonly T[], param = key): T | undefined {
  const v = optString(body, key);
  if (v === undefined) return undefined;
  if (!(values as readonly string[]).includes(v)) throw invalidRequest(`Invalid ${param}: must be one of ${values.join(", ")}`, { param, code: "parameter_invalid_string" });
  return v as T;
}

/** Stripe metadata: string map; an empty string value unsets a key (on update). */
export function metadataOf(value: FormValue | undefined, base: Record<string, string> = {}): Record<string, string> {
  const out = { ...base };
  if (value === undefined || value === "") return value === "" ? {} : out;
  if (typeof value !== "object" || Array.isArray(value)) throw invalidRequest("Invalid metadata", { param: "metadata" });
  for (const [k, v] of Object.entries(value)) {
    if (typeof v !== "string") throw invalidRequest(`Invalid metadata[${k}]`, { param: `metadata[${k}]` });
    if (v === "") delete out[k];
    else out[k] = v;
  }
  if (Object.keys(out).length > 50) throw invalidRequest("You can specify up to 50 keys in metadata", { param: "metadata" });
  return out;
}

export function expandPaths(body: FormObject): string[] {
  const v = body.expand;
  if (v === undefined) return [];
  if (!Array.isArray(v) || v.some((x) => typeof x !== "string")) throw invalidRequest("Invalid expand: must be an array of strings", { param: "expand" });
  return v as string[];
}

/**
 * Stripe's list filter on `created` (unix seconds): `created=N` or `created[gt|gte|lt|lte]=N`. Returns the
 * predicate; no filter given: everything passes.
 */
export function createdFilter(body: FormObject, param = "created"): (created: number) => boolean {
  const v = body[param];
  if (v === undefined || v === "") return () => true;
  const num = (raw: FormValue | undefined, name: string): number | undefined => {
    if (raw === undefined || raw === "") return undefined;
    if (typeof raw !== "string" || !/^\d+$/.test(raw) || !Number.isSafeInteger(Number(raw))) throw invalidRequest(`Invalid integer: ${String(raw)}`, { param: name, code: "parameter_invalid_integer" });
    return Number(raw);
  };
  if (typeof v === "string") {
    const exact = num(v, param) as number;
    return (created) => created === exact;
  }
  if (Array.isArray(v)) throw invalidRequest(`Invalid ${param}: must be an integer or a range`, { param });
  for (const key of Object.keys(v)) if (!["gt", "gte", "lt", "lte"].includes(key)) throw invalidRequest(`Received unknown parameter: ${param}[${key}]`, { param: `${param}[${key}]`, code: "parameter_unknown" });
  const gt = num(v.gt, `${param}[gt]`);
  const gte = num(v.gte, `${param}[gte]`);
  const lt = num(v.lt, `${param}[lt]`);
  const lte = num(v.lte, `${param}[lte]`);
  return (created) => (gt === undefined || created > gt) && (gte === undefined || created >= gte) && (lt === undefined || created < lt) && (lte === undefined || created <= lte);
}
