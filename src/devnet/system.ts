// The whole system on one machine: the devnet, N finality providers (the real provider daemon, registered
// through a real MsgCreateFinalityProvider and staked through the devnet's admin API), ready for a gadget to
// follow. `npm start`, the end-to-end tests and the benchmarks all build on this one function.
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { CosmWasmClient } from "@cosmjs/cosmwasm";
import { FinalityContractQueryClient } from "../../contracts/finality/client.ts";
import { type ProviderConfig, parseProviderConfig } from "../../provider/config.ts";
import { type ProviderRuntime, registerProvider, startProvider } from "../../provider/daemon.ts";
import { Keystore } from "../../provider/keystore.ts";
import { BabylonQueryClient } from "../chains/babylon/query-client.ts";
import { generateMnemonic } from "../core/crypto/keys.ts";
import { finalityGrid, nextCheckedHeight } from "../core/finality/grid.ts";
import type { Logger } from "../log.ts";
import { type Devnet, type DevnetOptions, startDevnet } from "./devnet.ts";

export interface SystemProvider {
  /** Stake delegated to it, in satoshis. */
  stakeSat: bigint;
  moniker?: string;
  /** Start its daemon (default true); a provider can also be started later with `startVoting`. */
  online?: boolean;
}

export interface DevnetSystemOptions {
  dir: string;
  providers: SystemProvider[];
  devnet?: DevnetOptions;
  log: Logger;
  /** Provider daemon poll interval. */
  providerPollMs?: number;
}

export interface DevnetSystemProvider {
  readonly index: number;
  readonly btcPkHex: string;
  readonly home: string;
  readonly config: ProviderConfig;
  runtime: ProviderRuntime | undefined;
}

export interface DevnetSystem {
  readonly devnet: Devnet;
  readonly providers: DevnetSystemProvider[];
  startVoting(index: number): Promise<void>;
  stopVoting(index: number): Promise<void>;
  stop(): Promise<void>;
}

const PASSPHRASE = "devnet-passphrase";

export async function startDevnetSystem(options: DevnetSystemOptions): Promise<DevnetSystem> {
  const { dir, log } = options;
  mkdirSync(dir, { recursive: true });
  const devnet = await startDevnet({ accounts: options.providers.length + 1, ...options.devnet });
  const info = devnet.info;
  const providers: DevnetSystemProvider[] = [];
  try {
    // The L2 waits while the providers set up, so that none misses the activation height (the contract's
    // bsn_activation_height is fixed at genesis); registrations run side by side, one account each.
    if (devnet.anvil) await devnet.anvil.pauseMining();
    const registered = await Promise.all(
      options.providers.map(async (spec, i) => {
        const home = join(dir, `provider-${i}`);
        const keystore = new Keystore({ home, scryptLogN: 15 });
        if (!keystore.has("default")) keystore.import("default", generateMnemonic(), PASSPHRASE, "eots");
        if (!keystore.has("account")) keystore.import("account", info.mnemonics[i]!, PASSPHRASE, "account");
        const config = parseProviderConfig(
          [
            `bsn_id = "${info.bsnId}"`,
            `[l2]\nrpc_url = "${info.l2!.rpcUrl}"`,
            `[babylon]\nrpc_url = "${info.babylon.rpcUrl}"\nchain_id = "${info.babylon.chainId}"`,
            `[contract]\naddress = "${info.contractAddress}"`,
            `[randomness]\nbatch = 500\nlook_ahead = 200`,
            `[voting]\npoll_interval_ms = ${options.providerPollMs ?? 250}`,
            `[server]\nlisten = ""`,
            `[register]\nmoniker = "${spec.moniker ?? `devnet-fp-${i}`}"`,
          ].join("\n"),
          `${home}/provider.toml`,
        );
        const { pkHex } = await registerProvider(home, config, PASSPHRASE, log.child({ provider: i }));
        return { index: i, btcPkHex: pkHex, home, config, runtime: undefined };
      }),
    );
    providers.push(...registered);
    // The contract admits only allow-listed providers; the devnet's admin holds the contract's admin key.
    await admin(info.adminUrl, "/allowlist", { btcPkHexes: providers.map((p) => p.btcPkHex) });
    for (const [i, spec] of options.providers.entries()) {
      await admin(info.adminUrl, "/delegations", {
        fp: providers[i]!.btcPkHex,
        amountSat: spec.stakeSat.toString(),
        stakingTime: 60_000,
      });
    }
  } catch (error) {
    await devnet.stop();
    throw error;
  }

  const system: DevnetSystem = {
    devnet,
    providers,
    async startVoting(index) {
      const p = providers[index]!;
      if (p.runtime) return;
      p.runtime = await startProvider(p.home, p.config, PASSPHRASE, log.child({ provider: index }));
      p.runtime.done.catch((error: unknown) =>
        log.error({ provider: index, err: String(error) }, "provider stopped"),
      );
    },
    async stopVoting(index) {
      const p = providers[index]!;
      const runtime = p.runtime;
      p.runtime = undefined;
      await runtime?.stop();
    },
    async stop() {
      await Promise.all(providers.map((p) => system.stopVoting(p.index)));
      await devnet.stop();
    },
  };
  try {
    await Promise.all(
      options.providers.map((spec, i) => ((spec.online ?? true) ? system.startVoting(i) : undefined)),
    );
    // The first height the L2 will need a vote for once it resumes.
    const online = providers.filter((_, i) => options.providers[i]!.online ?? true).map((p) => p.btcPkHex);
    const grid = finalityGrid(BigInt(info.activationHeight), BigInt(info.finalitySignatureInterval));
    const tip = devnet.anvil ? await devnet.anvil.blockNumber() : 0n;
    await untilTimestamped(
      info.babylon.rpcUrl,
      info.contractAddress,
      online,
      nextCheckedHeight(tip + 1n, grid),
    );
    if (devnet.anvil) await devnet.anvil.resumeMining();
  } catch (error) {
    await system.stop();
    throw error;
  }
  return system;
}

/**
 * Waits until every provider's randomness covering the activation height is committed and BTC-timestamped,
 * so that the first checked block can be voted on when the L2 reaches it, however slow the machine is.
 */
async function untilTimestamped(
  rpcUrl: string,
  contractAddress: string,
  pks: string[],
  height: bigint,
): Promise<void> {
  const [cosmwasm, babylon] = await Promise.all([
    CosmWasmClient.connect(rpcUrl),
    BabylonQueryClient.connect(rpcUrl),
  ]);
  const contract = new FinalityContractQueryClient(cosmwasm, contractAddress);
  try {
    const deadline = Date.now() + 120_000;
    for (;;) {
      const [finalized, commits] = await Promise.all([
        babylon.lastFinalizedEpoch().catch(() => 0n),
        Promise.all(pks.map((pk) => contract.pubRandCommitForHeight(pk, height))),
      ]);
      if (commits.every((c) => c !== null && c.babylon_epoch <= finalized)) return;
      if (Date.now() > deadline)
        throw new Error("providers' randomness was not BTC-timestamped within 120 s");
      await new Promise((r) => setTimeout(r, 250));
    }
  } finally {
    cosmwasm.disconnect();
    babylon.disconnect();
  }
}

async function admin(url: string, path: string, body: unknown): Promise<unknown> {
  const res = await fetch(`${url}${path}`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`devnet admin ${path}: ${res.status} ${text}`);
  return JSON.parse(text);
}
