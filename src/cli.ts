// The `op-btc-finality` command. Each subcommand loads and validates the configuration first, so a bad key
// or value ends the process with one line naming it, before anything is written.

import { untilSignal } from "./cli-signal.ts";
import { type Config, loadConfig } from "./config.ts";
import { ConfigError } from "./errors.ts";
import { createLogger } from "./log.ts";

const usage = `usage: op-btc-finality <command> [--config file.toml] [--section.key=value …]

commands:
  start            run the finality gadget (with no chain configured: the whole system on a local devnet)
  devnet           run the local devnet alone (--out devnet.json writes its endpoints)
  db migrate       apply pending database migrations
  provider …       the finality provider daemon (op-btc-finality provider --help)
  chaos            a fault campaign on the devnet (--minutes M --seed S [--json FILE])
  config           print the effective configuration (secrets redacted)
  doctor           check the configuration against the database and the chains before a start
                   (--bsn-id ID, --l2-chain-id N and --provider-home DIR add what to compare)`;

export interface ParsedArgs {
  positional: string[];
  configFile?: string;
  flags: Record<string, string>;
  options: Record<string, string | true>;
}

/** Splits argv into positionals, --config, config flags (--section.key=value) and plain options (--name[=value]). */
export function parseArgs(argv: string[]): ParsedArgs {
  const parsed: ParsedArgs = { positional: [], flags: {}, options: {} };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (!arg.startsWith("--")) {
      parsed.positional.push(arg);
      continue;
    }
    const eq = arg.indexOf("=");
    const name = arg.slice(2, eq === -1 ? undefined : eq);
    const next = argv[i + 1];
    const takesValue = eq === -1 && next !== undefined && !next.startsWith("--");
    const value = eq !== -1 ? arg.slice(eq + 1) : takesValue ? next : undefined;
    if (takesValue) i++;
    if (name === "config") {
      if (value === undefined) throw new ConfigError("--config needs a file path");
      parsed.configFile = value;
    } else if (name.includes(".")) {
      if (value === undefined) throw new ConfigError(`--${name} needs a value`);
      parsed.flags[name] = value;
    } else {
      parsed.options[name] = value ?? true;
    }
  }
  return parsed;
}

function fail(message: string): never {
  process.stderr.write(`op-btc-finality: ${message}\n`);
  process.exit(1);
}

async function main(argv: string[]): Promise<void> {
  const args = parseArgs(argv);
  const [command, sub] = args.positional;
  // The devnet and the provider have options of their own; hand them their argv untouched.
  if (command === "devnet") {
    const { runDevnetCommand } = await import("./devnet/devnet.ts");
    process.exitCode = await runDevnetCommand(argv.slice(1));
    return;
  }
  if (command === "provider") {
    const { runProviderCommand } = await import("../provider/cli.ts");
    process.exitCode = await runProviderCommand(argv.slice(1));
    return;
  }
  if (command === "chaos") {
    const { runChaosCommand } = await import("./chaos/command.ts");
    process.exitCode = await runChaosCommand(argv.slice(1));
    return;
  }
  if (!command || command === "help" || args.options.help === true) {
    console.log(usage);
    return;
  }
  const config: Config = loadConfig({ file: args.configFile, flags: args.flags });
  const log = createLogger(config.log.level);
  switch (command) {
    case "db": {
      if (sub !== "migrate") fail(`unknown db command ${sub ?? "(none)"}; try: db migrate`);
      // Loaded here, not at the top: the database stack (Prisma, pg, PGlite) is most of what `--help` or
      // `config` would otherwise load.
      const { openDatabase } = await import("./db/database.ts");
      const db = await openDatabase({
        url: config.database.url || undefined,
        dataDir: `${config.database.data_dir}/pglite`,
        migrate: false,
      });
      try {
        const { migrate } = await import("./db/migrate.ts");
        const result = await migrate(db.sql);
        log.info(
          { applied: result.applied, alreadyApplied: result.alreadyApplied.length },
          "migrations up to date",
        );
      } finally {
        await db.close();
      }
      return;
    }
    case "start": {
      const { startService } = await import("./service.ts");
      const chainless = !config.l2.rpc_url && !config.babylon.rpc_url;
      if (chainless) {
        const { runDevnetSystem } = await import("./devnet-start.ts");
        await runDevnetSystem(config, log);
        return;
      }
      const service = await startService(config, log);
      console.log(
        `GraphQL  ${service.httpUrl}/graphql\ngRPC     ${service.grpcAddress}\nREST     ${service.httpUrl}/v1/chainSyncStatus`,
      );
      await untilSignal();
      await service.stop();
      return;
    }
    case "doctor": {
      const { runDoctorCommand } = await import("./doctor/index.ts");
      process.exitCode = await runDoctorCommand(config, args.options);
      return;
    }
    case "config": {
      const { redactConfig } = await import("./config.ts");
      console.log(JSON.stringify(redactConfig(config), null, 2));
      return;
    }
    default:
      fail(`unknown command ${command}\n${usage}`);
  }
}

// A ConfigError or MigrationError message is written for the user already; anything else shows its message too.
main(process.argv.slice(2)).catch((error: unknown) => {
  fail((error as Error).message ?? String(error));
});
