// `op-btc-finality chaos --minutes M --seed S [--json FILE] [--postgres-fault terminate|restart]` (also
// `npm run chaos -- …`): runs one campaign, prints the report, writes it to FILE, and exits 1 on any
// violation or when the system did not converge.
import { writeFileSync } from "node:fs";
import { parseCommandLine, UsageError } from "../cli-args.ts";
import { runCampaign } from "./campaign.ts";
import { formatReport, reportJson } from "./report.ts";

export class ChaosUsageError extends Error {}

export interface ChaosArgs {
  minutes: number;
  seed: string;
  json?: string;
  postgresFault: "terminate" | "restart";
}

const USAGE =
  "usage: op-btc-finality chaos --minutes M --seed S [--json FILE] [--postgres-fault terminate|restart]";

export function parseChaosArgs(argv: string[]): ChaosArgs {
  let values: Partial<Record<"minutes" | "seed" | "json" | "postgres-fault", string>>;
  try {
    ({ values } = parseCommandLine(argv, {
      options: {
        minutes: { type: "string" },
        seed: { type: "string" },
        json: { type: "string" },
        "postgres-fault": { type: "string" },
      },
    }));
  } catch (error) {
    if (error instanceof UsageError) throw new ChaosUsageError(`${error.message}\n${USAGE}`);
    throw error;
  }
  const minutes = Number(values.minutes ?? "3");
  if (!Number.isFinite(minutes) || minutes <= 0 || minutes > 24 * 60)
    throw new ChaosUsageError(
      `--minutes: a number of minutes above 0 (at most a day), got ${values.minutes}`,
    );
  const postgresFault = values["postgres-fault"] ?? "terminate";
  if (postgresFault !== "terminate" && postgresFault !== "restart")
    throw new ChaosUsageError(`--postgres-fault: terminate or restart, got ${postgresFault}`);
  return {
    minutes,
    seed: values.seed ?? String(Date.now()),
    ...(values.json !== undefined ? { json: values.json } : {}),
    postgresFault,
  };
}

export async function runChaosCommand(argv: string[]): Promise<number> {
  let args: ChaosArgs;
  try {
    args = parseChaosArgs(argv);
  } catch (error) {
    if (!(error instanceof ChaosUsageError)) throw error;
    process.stderr.write(`op-btc-finality chaos: ${error.message}\n`);
    return 2;
  }
  const databaseUrl = process.env.DATABASE_URL || "postgres://postgres@127.0.0.1:5432/postgres";
  const report = await runCampaign({
    minutes: args.minutes,
    seed: args.seed,
    databaseUrl,
    postgresFault: args.postgresFault,
    progress: (line) => process.stderr.write(`${line}\n`),
  });
  console.log(formatReport(report));
  if (args.json !== undefined) writeFileSync(args.json, reportJson(report));
  return report.violations.length === 0 && report.converged ? 0 : 1;
}
