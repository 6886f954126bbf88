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

function optionString(options: Record<string, string | true>, name: string): string | undefined {
  const value = options[name];
  if (value === true) throw new ConfigError(`--${name} needs a value`);
  return value;
}

export async function runDoctorCommand(
  config: Config,
  options: Record<string, string | true>,
): Promise<number> {
  const l2ChainId = optionString(options, "l2-chain-id");
  if (l2ChainId !== undefined && !/^\d+$/.test(l2ChainId)) {
    throw new ConfigError(`--l2-chain-id must be a decimal chain id, got "${l2ChainId}"`);
  }
  const results = await runDoctor({
    config,
    bsnId: optionString(options, "bsn-id"),
    l2ChainId: l2ChainId === undefined ? undefined : Number(l2ChainId),
    providerHome: optionString(options, "provider-home"),
  });
  console.log(formatResults(results));
  const failed = results.filter((r) => r.status === "fail").length;
  console.log(failed === 0 ? "\nall checks passed" : `\n${failed} check${failed === 1 ? "" : "s"} failed`);
  return failed === 0 ? 0 : 1;
}
