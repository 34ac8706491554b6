import type { Worker } from "./worker";

// PLACEHOLDER (lead): the payouts-core helper implements this (leader-only run + payout-transfer jobs).
export const payoutsWorker: Worker = {
  name: "payouts",
  start() {
    return async () => {};
  },
};
