// The `op-btc-finality` command. Each subcommand loads and validates the configuration first, so a bad key
// or value ends the process with one line naming it, before anything is written.

import { parseCommandLine } from "./cli-args.ts";
import { untilSignal } from "./cli-signal.ts";
import { type Config, loadConfig } from "./config.ts";
import { createLogger } from "./log.ts";

const usage = `usage: op-btc-finality <command> [--config file.toml] [--section.key=value …]

commands:
  start            run the finality gadget (with no chain configured: the whole system on a local devnet)
  devnet           run the local devnet alone (--out devnet.json writes its endpoints)
  db migrate       apply pending database migrations
  provider …       the finality provider daemon (op-btc-finality provider --help)
  babylon skip-event --height H --event TYPE
                   read past the unreadable power-changing Babylon event ingestion stopped at
                   (the operator's decision: the power it would change is not applied)
  chaos            a fault campaign on the devnet (--minutes M --seed S [--json FILE])
  config           print the effective configuration (secrets redacted)
  doctor           check the configuration against the database and the chains before a start
                   (--bsn-id ID, --l2-chain-id N and --provider-home DIR add what to compare)`;

/** The options of the commands that take the configuration; `--section.key=value` flags come apart. */
const commandLine = {
  configFlags: true,
  positionals: true,
  options: {
    config: { type: "string" },
    help: { type: "boolean", short: "h" },
    "bsn-id": { type: "string" },
    "l2-chain-id": { type: "string" },
    "provider-home": { type: "string" },
    height: { type: "string" },
    event: { type: "string" },
  },
} as const;

function fail(message: string): never {
  process.stderr.write(`op-btc-finality: ${message}\n`);
  process.exit(1);
}

async function main(argv: string[]): Promise<void> {
  const command = argv[0];
  // The devnet, the provider and chaos have options of their own; hand them their argv untouched.
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
  const args = parseCommandLine(argv, commandLine);
  const [, sub] = args.positionals;
  if (!command || command === "help" || args.values.help) {
    console.log(usage);
    return;
  }
  const config: Config = loadConfig({ file: args.values.config, flags: args.configFlags });
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
    case "babylon": {
      if (sub !== "skip-event") fail(`unknown babylon command ${sub ?? "(none)"}; try: babylon skip-event`);
      const { openDatabase } = await import("./db/database.ts");
      const { skipUnreadableEvent, SkipEventRefused } = await import("./indexer/babylon/skip-event.ts");
      const db = await openDatabase({
        url: config.database.url || undefined,
        dataDir: `${config.database.data_dir}/pglite`,
        migrate: false,
      });
      try {
        await skipUnreadableEvent(db.prisma, { height: args.values.height, event: args.values.event }, log);
      } catch (error) {
        if (error instanceof SkipEventRefused) fail(`babylon skip-event: ${error.message}`);
        throw error;
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
      process.exitCode = await runDoctorCommand(config, args.values);
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
