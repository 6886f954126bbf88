// `op-btc-finality provider <command>`. Returns an exit code instead of exiting, so the main CLI and tests
// can call it. Secrets: the mnemonic of a new key is printed once to stdout (never logged); passphrases
// and mnemonics are read from files, an environment variable, or a terminal without echo.

import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { Readable, Writable } from "node:stream";
import { DirectSecp256k1Wallet } from "@cosmjs/proto-signing";
import { parseCommandLine } from "../src/cli-args.ts";
import { onStopSignal } from "../src/cli-signal.ts";
import { createLogger } from "../src/log.ts";
import {
  DEFAULT_PASSPHRASE_ENV,
  defaultHome,
  exampleProviderConfig,
  loadProviderConfig,
  type ProviderConfig,
} from "./config.ts";
import { providerPaths, registerProvider, startProvider } from "./daemon.ts";
import { type KeyKind, Keystore } from "./keystore.ts";
import { type PromptOptions, promptHidden, resolvePassphrase } from "./passphrase.ts";
import { commitEnd, RandomnessStore } from "./randomness-store.ts";
import { inspectJournal } from "./sign-guard.ts";

export interface ProviderIo {
  stdout: Writable;
  stderr: Writable;
  stdin: PromptOptions["input"];
  env: NodeJS.ProcessEnv;
  /** whether interactive prompts are allowed (stdin is a terminal) */
  interactive: boolean;
  /** scrypt cost for new keys (tests lower it) */
  scryptLogN?: number;
}

const usage = `usage: op-btc-finality provider <command> [options]

commands:
  keys create [--name N] [--account]     new 24-word mnemonic and key (the mnemonic is shown once)
  keys import [--name N] [--account]     key from an existing mnemonic (--mnemonic-file F, or a prompt);
                                         EOTS keys are derived exactly as eotsd does
  keys show [--name N] [--account]       the x-only public key (and, for --account, the bbn address)
  register                               create the finality provider on Babylon for the configured BSN
  start                                  run the provider: randomness commitments, votes, /metrics, /health
  status                                 local journal and randomness state, and the running daemon's health
  config-example                         print a provider.toml template

options:
  --home DIR              provider home (default $OBF_PROVIDER_HOME or ~/.op-btc-finality/provider)
  --config FILE           provider configuration (default <home>/provider.toml)
  --passphrase-file FILE  keystore passphrase from a file
  --passphrase-env VAR    keystore passphrase from an environment variable (default ${DEFAULT_PASSPHRASE_ENV})
  --account               keys: the Babylon account key (default name "account") instead of the EOTS key`;

class UsageError extends Error {}

export async function runProviderCommand(argv: string[], io: Partial<ProviderIo> = {}): Promise<number> {
  const full: ProviderIo = {
    stdout: io.stdout ?? process.stdout,
    stderr: io.stderr ?? process.stderr,
    stdin: io.stdin ?? process.stdin,
    env: io.env ?? process.env,
    interactive: io.interactive ?? process.stdin.isTTY === true,
    ...(io.scryptLogN === undefined ? {} : { scryptLogN: io.scryptLogN }),
  };
  try {
    return await dispatch(argv, full);
  } catch (err) {
    if (err instanceof UsageError) {
      full.stderr.write(`${err.message}\n\n${usage}\n`);
      return 2;
    }
    full.stderr.write(`error: ${err instanceof Error ? err.message : String(err)}\n`);
    return 1;
  }
}

async function dispatch(argv: string[], io: ProviderIo): Promise<number> {
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(argv);
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  const { values, positionals } = parsed;
  if (values.help === true || positionals.length === 0) {
    io.stdout.write(`${usage}\n`);
    return positionals.length === 0 && values.help !== true ? 2 : 0;
  }
  const home = values.home ?? defaultHome(io.env);
  const configPath = values.config ?? join(home, "provider.toml");
  const [command, sub] = positionals;
  const passphrase = (confirm = false) =>
    resolvePassphrase({
      env: values["passphrase-env"] ?? DEFAULT_PASSPHRASE_ENV,
      environment: io.env,
      ...(values["passphrase-file"] === undefined ? {} : { file: values["passphrase-file"] }),
      ...(io.interactive ? { prompt: { input: io.stdin, output: io.stderr, confirm } } : {}),
    });
  const keystore = () =>
    new Keystore({ home, ...(io.scryptLogN === undefined ? {} : { scryptLogN: io.scryptLogN }) });
  const kind: KeyKind = values.account === true ? "account" : "eots";
  const name = values.name ?? (kind === "account" ? "account" : "default");

  switch (command) {
    case "config-example":
      io.stdout.write(exampleProviderConfig);
      return 0;
    case "keys": {
      if (sub === "create") {
        const created = keystore().create(name, await passphrase(true), kind);
        io.stdout.write(
          `created ${kind} key "${name}" at ${created.path}\npublic key: ${created.publicKeyHex}\n\n` +
            "Write down this mnemonic now; it is not stored and will not be shown again:\n\n" +
            `${created.mnemonic}\n`,
        );
        return 0;
      }
      if (sub === "import") {
        const mnemonic = await readMnemonic(values["mnemonic-file"], io);
        const stored = keystore().import(name, mnemonic, await passphrase(true), kind);
        io.stdout.write(
          `imported ${kind} key "${name}" at ${stored.path}\npublic key: ${stored.publicKeyHex}\n`,
        );
        return 0;
      }
      if (sub === "show") {
        const ks = keystore();
        if (ks.kindOf(name) !== kind)
          throw new UsageError(`key "${name}" is an ${ks.kindOf(name)} key; adjust --account`);
        io.stdout.write(`${ks.show(name)}\n`);
        if (kind === "account") {
          const key = ks.unlock(name, await passphrase(), "account");
          const [acct] = await (await DirectSecp256k1Wallet.fromKey(key.secretKey, "bbn")).getAccounts();
          key.secretKey.fill(0);
          io.stdout.write(`${acct!.address}\n`);
        }
        return 0;
      }
      throw new UsageError(`unknown keys command ${JSON.stringify(sub ?? "")}`);
    }
    case "register": {
      const cfg = loadProviderConfig(configPath);
      const result = await registerProvider(home, cfg, await passphrase(), createLogger("info", "provider"));
      io.stdout.write(
        result.txHash === null
          ? `finality provider ${result.pkHex} is already registered\n`
          : `registered finality provider ${result.pkHex} (account ${result.address}) in tx ${result.txHash}\n`,
      );
      return 0;
    }
    case "start": {
      const cfg = loadProviderConfig(configPath);
      const runtime = await startProvider(home, cfg, await passphrase(), createLogger("info", "provider"));
      const stopListening = onStopSignal(() => void runtime.stop());
      try {
        await runtime.done;
      } finally {
        stopListening();
      }
      return 0;
    }
    case "status":
      await status(home, configPath, io);
      return 0;
    default:
      throw new UsageError(`unknown provider command ${JSON.stringify(command)}`);
  }
}

function parse(argv: string[]) {
  return parseCommandLine(argv, {
    positionals: true,
    options: {
      home: { type: "string" },
      config: { type: "string" },
      name: { type: "string" },
      account: { type: "boolean" },
      "passphrase-file": { type: "string" },
      "passphrase-env": { type: "string" },
      "mnemonic-file": { type: "string" },
      help: { type: "boolean", short: "h" },
    },
  });
}

async function readMnemonic(file: string | undefined, io: ProviderIo): Promise<string> {
  if (file !== undefined) return readFileSync(file, "utf8").trim();
  if (!io.interactive) throw new UsageError("keys import needs --mnemonic-file when stdin is not a terminal");
  return (
    await promptHidden("Mnemonic: ", {
      input: io.stdin as Readable & PromptOptions["input"],
      output: io.stderr,
    })
  ).trim();
}

async function status(home: string, configPath: string, io: ProviderIo): Promise<void> {
  const out = (line: string) => io.stdout.write(`${line}\n`);
  out(`home: ${home}`);
  const cfg: ProviderConfig | null = existsSync(configPath) ? loadProviderConfig(configPath) : null;
  const ks = new Keystore({ home });
  const keyName = cfg?.key_name ?? "default";
  if (!ks.has(keyName)) {
    out(`key "${keyName}": none (create one with "provider keys create")`);
    return;
  }
  const pk = ks.show(keyName);
  out(`finality provider key "${keyName}": ${pk}`);
  if (cfg === null) {
    out(`config: none at ${configPath}`);
    return;
  }
  const paths = providerPaths(home, cfg.bsn_id, pk);
  const journal = inspectJournal(paths.journal);
  out(
    journal === null
      ? "sign journal: empty (nothing signed yet)"
      : `sign journal: ${journal.records} signed heights, highest ${journal.highest ?? "-"}, floor ${journal.floor}` +
          (journal.tornBytes > 0
            ? `, ${journal.tornBytes} torn bytes at the end (dropped on next start)`
            : ""),
  );
  const commits = RandomnessStore.inspect(paths.randomness);
  const confirmed = commits.filter((c) => c.status === "confirmed");
  const last = confirmed.at(-1);
  out(
    last === undefined
      ? "randomness: nothing committed"
      : `randomness: ${confirmed.length} commitments, committed through height ${commitEnd(last)}`,
  );
  if (cfg.server.listen !== "") {
    try {
      const res = await fetch(`http://${cfg.server.listen}/health`, { signal: AbortSignal.timeout(2000) });
      out(`daemon: ${res.status === 200 ? "healthy" : "UNHEALTHY"} ${await res.text()}`);
    } catch {
      out(`daemon: not reachable at http://${cfg.server.listen}`);
    }
  }
}
