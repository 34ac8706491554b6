/** `expand[]`: replaces id strings by the objects they name, along dotted paths (`payment_intent.latest_charge`). */
import { invalidRequest } from "./errors";
import { lineItemsList } from "./checkout";
import { findById, snapshot, type Store } from "./store";

type Obj = Record<string, unknown>;

export function applyExpand<T>(store: Store, value: T, paths: string[]): T {
  for (const path of paths) {
    if (path.split(".").length > 4) throw invalidRequest(`You cannot expand more than 4 levels of a property. Property: ${path}`, { param: "expand" });
    expandPath(store, value, path.split("."), path);
  }
  return value;
}

function expandPath(store: Store, node: unknown, segments: string[], full: string): void {
  if (node === null || node === undefined) return;
  if (Array.isArray(node)) {
    for (const item of node) expandPath(store, item, segments, full);
    return;
  }
  if (typeof node !== "object") throw invalidRequest(`This property cannot be expanded (${full}).`, { param: "expand" });
  const obj = node as Obj;
  const [head, ...rest] = segments as [string, ...string[]];
  if (head === "line_items" && obj.object === "checkout.session" && typeof obj.id === "string") {
    obj.line_items = snapshot(lineItemsList(store, obj.id));
  } else if (typeof obj[head] === "string") {
    const found = findById(store, obj[head]);
    if (!found) throw invalidRequest(`This property cannot be expanded (${full}).`, { param: "expand" });
    obj[head] = snapshot(found);
  } else if (!(head in obj)) {
    throw invalidRequest(`This property cannot be expanded (${full}).`, { param: "expand" });
  }
  if (rest.length > 0) expandPath(store, obj[head], rest, full);
}
