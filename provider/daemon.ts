// Wires the provider to the real chains: keystore → CosmJS signer → typed contract client, Babylon ABCI
// queries, the L2 through viem; then the sign guard, randomness store, voter, and /metrics + /health.
import { join } from "node:path";
import { SigningCosmWasmClient } from "@cosmjs/cosmwasm";
import { DirectSecp256k1Wallet, Registry } from "@cosmjs/proto-signing";
import {
  assertIsDeliverTxSuccess,
  defaultRegistryTypes,
  GasPrice,
  SigningStargateClient,
} from "@cosmjs/stargate";
import { FinalityContractClient } from "../contracts/finality/client.ts";
import { BabylonQueryClient, BabylonQueryError } from "../src/chains/babylon/query-client.ts";
import { L2Client } from "../src/chains/l2.ts";
import { retryingComet } from "../src/chains/rpc-retry.ts";
import { signingContext } from "../src/core/crypto/context.ts";
import { ConfigError, errorKind, errorText } from "../src/errors.ts";
import { retryWhile } from "../src/retry.ts";
import { registerBalanceGauge } from "./balance-metric.ts";
import { babylonPort, contractPort, l2Source } from "./chain-ports.ts";
import type { ProviderConfig } from "./config.ts";
import { type HealthReport, type ProviderHttpServer, startProviderHttp } from "./http.ts";
import { Keystore } from "./keystore.ts";
import { createProviderMetrics } from "./metrics.ts";
import { RandomnessStore } from "./randomness-store.ts";
import {
  createFinalityProviderMsg,
  MSG_CREATE_FINALITY_PROVIDER_TYPE_URL,
  msgCreateFinalityProviderType,
} from "./register.ts";
import { SignGuard } from "./sign-guard.ts";
import { gridOf, Voter, type VoterLogger } from "./voter.ts";

/** Where a (BSN, key) pair keeps its journal and randomness under the home. */
export function providerPaths(home: string, bsnId: string, pkHex: string) {
  const id = `${bsnId}-${pkHex}`;
  return { journal: join(home, "sign-journal", id), randomness: join(home, "randomness", id) };
}

/** The journal namespace: one key, one BSN id (randomness chain id), one signing context. */
export function journalNamespace(pkHex: string, bsnId: string, voteContext: string): string {
  return `${pkHex}/${bsnId}/${voteContext}`;
}

async function accountWallet(keystore: Keystore, cfg: ProviderConfig, passphrase: string) {
  const account = keystore.unlock(cfg.account_key_name, passphrase, "account");
  try {
    // The wallet keeps the array it is given: hand it a copy, so zeroing ours below leaves it a usable key.
    const wallet = await DirectSecp256k1Wallet.fromKey(
      Uint8Array.from(account.secretKey),
      cfg.babylon.prefix,
    );
    const [first] = await wallet.getAccounts();
    return { wallet, address: first!.address };
  } finally {
    account.secretKey.fill(0);
  }
}

/** Failed tries of one start-up read before the start fails: with the backoff's cap, about two minutes. */
const STARTUP_READ_FAILURES = 10;

function checkChainId(actual: string, cfg: ProviderConfig): void {
  if (actual !== cfg.babylon.chain_id) {
    throw new ConfigError(
      `babylon.chain_id is "${cfg.babylon.chain_id}" but the node at ${cfg.babylon.rpc_url} serves "${actual}"`,
    );
  }
}

export interface ProviderRuntime {
  voter: Voter;
  server: ProviderHttpServer | null;
  /** settles when the loop ends: after stop(), or with the error that stopped it (slashed, journal damage) */
  done: Promise<void>;
  stop(): Promise<void>;
}

export async function startProvider(
  home: string,
  cfg: ProviderConfig,
  passphrase: string,
  logger: VoterLogger,
): Promise<ProviderRuntime> {
  const keystore = new Keystore({ home });
  const { wallet, address } = await accountWallet(keystore, cfg, passphrase);
  const signer = SigningCosmWasmClient.createWithSigner(retryingComet(cfg.babylon.rpc_url), wallet, {
    gasPrice: GasPrice.fromString(cfg.babylon.gas_price),
  });
  // A Babylon node that fails a burst of calls while the daemon starts (or restarts) is waited for, as the
  // voting loop waits for it; what keeps failing for minutes, or a setting that does not match, ends the start.
  const startupRead = <T>(what: string, call: () => Promise<T>) =>
    retryWhile(call, (error, failures) => errorKind(error) === "rpc" && failures < STARTUP_READ_FAILURES, {
      onRetry: (error, delayMs) =>
        logger.warn({ what, error: errorText(error), delayMs }, "Babylon read failed at start; retrying"),
    });
  checkChainId(await startupRead("chain id", () => signer.getChainId()), cfg);
  const contract = contractPort(new FinalityContractClient(signer, address, cfg.contract.address));
  const contractCfg = await startupRead("contract config", () => contract.config());
  if (contractCfg.bsn_id !== cfg.bsn_id) {
    // The randomness is derived with the BSN id; voting for another BSN with it would break commitments.
    throw new ConfigError(
      `bsn_id is "${cfg.bsn_id}" but contract ${cfg.contract.address} serves BSN "${contractCfg.bsn_id}"`,
    );
  }
  const query = new BabylonQueryClient(retryingComet(cfg.babylon.rpc_url));
  const eots = keystore.unlock(cfg.key_name, passphrase, "eots");
  const pk = eots.publicKeyHex;
  const voteContext = signingContext("fp_fin_vote", cfg.babylon.chain_id, cfg.contract.address);
  const paths = providerPaths(home, cfg.bsn_id, pk);
  const guard = SignGuard.open({
    dir: paths.journal,
    namespace: journalNamespace(pk, cfg.bsn_id, voteContext),
  });
  const store = RandomnessStore.open({
    dir: paths.randomness,
    secretKey: eots.secretKey,
    chainId: cfg.bsn_id,
    grid: gridOf(contractCfg),
  });
  const metrics = createProviderMetrics();
  const feeDenom = GasPrice.fromString(cfg.babylon.gas_price).denom;
  registerBalanceGauge(metrics.registry, feeDenom, async () =>
    BigInt((await signer.getBalance(address, feeDenom)).amount),
  );
  const voter = new Voter(
    {
      fpPubkeyHex: pk,
      secretKey: eots.secretKey,
      bsnId: cfg.bsn_id,
      babylonChainId: cfg.babylon.chain_id,
      contractAddress: cfg.contract.address,
      l2Tag: cfg.l2.follow,
      startHeight: cfg.voting.start_height,
      randomnessBatch: cfg.randomness.batch,
      randomnessLookAhead: cfg.randomness.look_ahead,
      timestampingDelay: cfg.randomness.timestamping_delay,
      maxVotesPerTx: cfg.voting.max_votes_per_tx,
      pollIntervalMs: cfg.voting.poll_interval_ms,
    },
    {
      l2: l2Source(new L2Client(cfg.l2.rpc_url)),
      contract,
      babylon: babylonPort(query),
      guard,
      store,
      metrics,
      logger,
    },
  );
  const close = () => {
    guard.close();
    query.disconnect();
    signer.disconnect();
    eots.secretKey.fill(0);
  };
  try {
    await startupRead("provider state", () => voter.init());
  } catch (err) {
    close();
    throw err;
  }
  let running = true;
  const health = (): HealthReport => {
    const s = voter.status();
    return { healthy: running && s.consecutiveFailures < 10, fp: pk, ...s, missed: s.missed.slice(-20) };
  };
  const server =
    cfg.server.listen === "" ? null : await startProviderHttp(cfg.server.listen, metrics.registry, health);
  logger.info({ fp: pk, account: address, metrics: server?.url ?? null }, "finality provider started");
  const done = voter.run().finally(async () => {
    running = false;
    close();
    await server?.close();
  });
  return {
    voter,
    server,
    done,
    async stop() {
      voter.stop();
      await done.catch(() => undefined);
    },
  };
}

/** Sends MsgCreateFinalityProvider for the configured BSN; returns the tx hash, or null if already registered. */
export async function registerProvider(
  home: string,
  cfg: ProviderConfig,
  passphrase: string,
  logger: VoterLogger,
): Promise<{ txHash: string | null; pkHex: string; address: string }> {
  const keystore = new Keystore({ home });
  const pkHex = keystore.show(cfg.key_name);
  const query = await BabylonQueryClient.connect(cfg.babylon.rpc_url);
  try {
    const existing = await query.finalityProvider(pkHex).catch((err: unknown) => {
      if (err instanceof BabylonQueryError) return null;
      throw err;
    });
    const { wallet, address } = await accountWallet(keystore, cfg, passphrase);
    if (existing !== null) {
      logger.info({ fp: pkHex, addr: existing.addr }, "finality provider is already registered");
      return { txHash: null, pkHex, address };
    }
    const registry = new Registry([
      ...defaultRegistryTypes,
      [MSG_CREATE_FINALITY_PROVIDER_TYPE_URL, msgCreateFinalityProviderType],
    ]);
    const client = await SigningStargateClient.connectWithSigner(cfg.babylon.rpc_url, wallet, {
      registry,
      gasPrice: GasPrice.fromString(cfg.babylon.gas_price),
    });
    try {
      checkChainId(await client.getChainId(), cfg);
      const eots = keystore.unlock(cfg.key_name, passphrase, "eots");
      const r = cfg.register;
      const value = createFinalityProviderMsg({
        addr: address,
        eotsSecretKey: eots.secretKey,
        babylonChainId: cfg.babylon.chain_id,
        bsnId: cfg.bsn_id,
        description: {
          moniker: r.moniker,
          identity: r.identity,
          website: r.website,
          securityContact: r.security_contact,
          details: r.details,
        },
        commission: {
          rate: r.commission_rate,
          maxRate: r.commission_max_rate,
          maxChangeRate: r.commission_max_change_rate,
        },
        prefix: cfg.babylon.prefix,
      });
      eots.secretKey.fill(0);
      const result = await client.signAndBroadcast(
        address,
        [{ typeUrl: MSG_CREATE_FINALITY_PROVIDER_TYPE_URL, value }],
        "auto",
      );
      assertIsDeliverTxSuccess(result);
      logger.info(
        { fp: pkHex, addr: address, txHash: result.transactionHash, bsnId: cfg.bsn_id },
        "finality provider registered",
      );
      return { txHash: result.transactionHash, pkHex, address };
    } finally {
      client.disconnect();
    }
  } finally {
    query.disconnect();
  }
}
