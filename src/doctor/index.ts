// The `doctor` command: runs the checks and prints one line per check; exits 1 when any failed.
import type { Config } from "../config.ts";
import { ConfigError } from "../errors.ts";
import { formatResults, runDoctor } from "./checks.ts";

export {
  type CheckResult,
  type CheckStatus,
  type DoctorOptions,
  formatResults,
  runDoctor,
} from "./checks.ts";

export interface DoctorCommandOptions {
  "bsn-id"?: string | undefined;
  "l2-chain-id"?: string | undefined;
  "provider-home"?: string | undefined;
}

export async function runDoctorCommand(config: Config, options: DoctorCommandOptions): Promise<number> {
  const l2ChainId = options["l2-chain-id"];
  if (l2ChainId !== undefined && !/^\d+$/.test(l2ChainId)) {
    throw new ConfigError(`--l2-chain-id must be a decimal chain id, got "${l2ChainId}"`);
  }
  const results = await runDoctor({
    config,
    bsnId: options["bsn-id"],
    l2ChainId: l2ChainId === undefined ? undefined : Number(l2ChainId),
    providerHome: options["provider-home"],
  });
  console.log(formatResults(results));
  const failed = results.filter((r) => r.status === "fail").length;
  console.log(failed === 0 ? "\nall checks passed" : `\n${failed} check${failed === 1 ? "" : "s"} failed`);
  return failed === 0 ? 0 : 1;
}
