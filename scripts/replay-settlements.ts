/**
 * `npm run settlements:replay`: lists and replays settlements the ledger refused (dead letters).
 *
 *   npm run settlements:replay -- --list              what is open, and what each holds
 *   npm run settlements:replay                        replay every open letter
 *   npm run settlements:replay -- req_01… req_02…     replay these only
 *
 * Also imports `settlement-wal/<instance>/dead-letter.jsonl` files (written only when even the dead-letter
 * table could not be reached) into the table first, so nothing set aside is lost. On PGlite the database
 * has one owner process: stop `npm start` first (or use the replay button on the dashboard's Operations page).
 */
import { existsSync, readdirSync, readFileSync, renameSync } from "node:fs";
import { join, resolve } from "node:path";
import { openDatabase } from "../db/client";
import { formatUsd } from "../lib/money";
import { countOpenDeadLetters, listDeadLetters, recordDeadLetter, replayDeadLetters } from "../server/billing/dead-letters";
import { outcomeFromJson } from "../server/billing/outcome-codec";
import type { ServiceContext } from "../server/context";
import { readEnv } from "../server/env";

const env = readEnv();
const args = process.argv.slice(2);
const dataDir = resolve(env.DATA_DIR);
const database = await openDatabase({ databaseUrl: env.DATABASE_URL, dataDir: join(dataDir, "pglite") });
const ctx: ServiceContext = { db: database.db, now: () => new Date(), platform_fee_bps: env.PLATFORM_FEE_BPS, test_credit_nanos: 0n };

try {
  const walRoot = join(dataDir, "settlement-wal");
  for (const instance of existsSync(walRoot) ? readdirSync(walRoot) : []) {
    const file = join(walRoot, instance, "dead-letter.jsonl");
    if (!existsSync(file)) continue;
    const lines = readFileSync(file, "utf8").split("\n").filter((l) => l.trim());
    for (const line of lines) {
      const { error, outcome } = JSON.parse(line) as { error: string; outcome: Record<string, unknown> };
      // Its lease lapsed long ago (the instance restarted or renewed without it): the letter alone holds it now.
      await recordDeadLetter(ctx, { outcome: outcomeFromJson(outcome), instanceId: instance, error });
    }
    renameSync(file, `${file}.imported-${Date.now()}`);
    console.log(`imported ${lines.length} dead letter(s) from ${file}`);
  }

  if (args.includes("--list")) {
    const open = await listDeadLetters(ctx);
    for (const l of open) console.log(`${l.request_id}  ${l.organization_id}  ${formatUsd(l.amount_nanos, 2)} held  ×${l.attempts}  ${l.created_at.toISOString()}  ${l.error}`);
    const total = await countOpenDeadLetters(ctx);
    console.log(`${total.count} open, ${formatUsd(total.amount_nanos, 2)} held`);
  } else {
    const ids = args.filter((a) => !a.startsWith("--"));
    const result = await replayDeadLetters(ctx, ids.length > 0 ? { requestIds: ids } : {});
    for (const id of result.settled) console.log(`settled ${id}`);
    for (const f of result.failed) console.log(`still failing ${f.request_id}: ${f.error}`);
    console.log(`${result.settled.length} settled, ${result.failed.length} still open`);
    process.exitCode = result.failed.length > 0 ? 1 : 0;
  }
} finally {
  await database.close();
}
