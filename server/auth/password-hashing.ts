import { hashPassword, verifyPassword } from "better-auth/crypto";
import { APIError } from "better-auth/api";

/**
 * Password hashing one at a time. better-auth's scrypt runs in libuv's thread pool (4 threads); four
 * concurrent sign-ins then take every core of a small machine and the pool that the settlement log's
 * file writes and DNS lookups share, and the gateway's latency rises. Queued here, scrypt uses one
 * thread; past `max_waiting` queued hashes, sign-ins are refused (429) rather than queued without bound.
 */
export function createPasswordHashing(opts: { concurrency?: number; max_waiting?: number } = {}) {
  const concurrency = opts.concurrency ?? 1;
  const max_waiting = opts.max_waiting ?? 64;
  let running = 0;
  const waiting: (() => void)[] = [];
  const run = async <T>(work: () => Promise<T>): Promise<T> => {
    if (running >= concurrency) {
      if (waiting.length >= max_waiting) throw new APIError("TOO_MANY_REQUESTS", { message: "Too many sign-ins at once; try again in a moment." });
      await new Promise<void>((ok) => waiting.push(ok));
    } else running++;
    try {
      return await work();
    } finally {
      // Hand the slot straight to the next waiter (running stays the same), or free it.
      const next = waiting.shift();
      if (next) next();
      else running--;
    }
  };
  return {
    hash: (password: string) => run(() => hashPassword(password)),
    verify: (data: { hash: string; password: string }) => run(() => verifyPassword(data)),
    /** Hashes running or queued (tests). */
    pending: () => running + waiting.length,
  };
}
