import { pbkdf2Sync } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { SigningCosmWasmClient } from "@cosmjs/cosmwasm";
import { DirectSecp256k1HdWallet } from "@cosmjs/proto-signing";
import { GasPrice } from "@cosmjs/stargate";
import { HDKey } from "@scure/bip32";
import { finalityContractCode } from "../../contracts/finality/bytecode.ts";
import type { Dialect } from "../../contracts/finality/messages.ts";
import { parseCommandLine } from "../cli-args.ts";
import { generateMnemonic, validateMnemonic } from "../core/crypto/keys.ts";
import { type AdminServer, startAdminServer } from "./admin.ts";
import { type Anvil, type AnvilOptions, startAnvil } from "./anvil.ts";
import { type Babylon, createBabylon } from "./babylon/index.ts";
import type { StakingParams } from "./babylon/staking.ts";
import { type BtcChainOptions, BtcHeaderChain } from "./btc.ts";
import {
  addressFromPubkey,
  type Chain,
  classicContractAddress,
  createChain,
  WasmModule,
} from "./chain/index.ts";
import { type RpcServer, startRpcServer } from "./rpc/index.ts";

export interface DevnetOptions {
  chainId?: string;
  bsnId?: string;
  /** Babylon block interval. Default 1000 ms. */
  blockIntervalMs?: number;
  /** Babylon block times run this far behind the wall clock from genesis on (POST /babylon/clock changes it). */
  babylonClockBehindMs?: number;
  /** BTC block interval; 0 = only when advanced through the admin API. Default 2000 ms, so an epoch is
   * BTC-finalized (and providers may vote) within seconds of the devnet starting. */
  btcBlockIntervalMs?: number;
  btc?: Omit<BtcChainOptions, "now">;
  /** Keeps Babylon's blocks and module state (and the funded mnemonics); a restart continues from it. */
  stateDir?: string;
  /** With stateDir: write the module state every N blocks (and at stop) instead of after every block; a
   * large N suits building a big history quickly, where only the state at stop matters. Default 1. */
  persistEveryBlocks?: number;
  host?: string;
  rpcPort?: number;
  adminPort?: number;
  /** Mnemonics of the funded test accounts; default: fresh ones (reused from stateDir on a restart). */
  mnemonics?: string[];
  /** How many funded accounts to create when `mnemonics` is not given. Default 3. */
  accounts?: number;
  /** Which compiled finality contract to deploy. Default "rollup-bsn"; "op-finality-gadget" is the old one. */
  dialect?: Dialect;
  /** The finality contract's bsn_activation_height. Default 1. */
  activationHeight?: bigint;
  /** The finality contract's finality_signature_interval. Default 1. */
  finalitySignatureInterval?: bigint;
  /** The finality contract's min_pub_rand. Default 10. */
  minPubRand?: bigint;
  k?: number;
  w?: number;
  epochInterval?: bigint;
  finalizationDepth?: number;
  staking?: Partial<StakingParams>;
  /** The L2; false runs without one. Default: anvil mining every second. */
  l2?: false | AnvilOptions;
}

export interface DevnetInfo {
  babylon: { rpcUrl: string; wsUrl: string; chainId: string; denom: string };
  l2: { rpcUrl: string; chainId: number } | null;
  adminUrl: string;
  contractAddress: string;
  bsnId: string;
  activationHeight: string;
  finalitySignatureInterval: string;
  accounts: { address: string; mnemonic: string }[];
  mnemonics: string[];
  /** Admin of the finality contract (a funded account of its own, so test accounts' sequences stay theirs). */
  contractAdmin: { address: string; mnemonic: string };
}

export interface Devnet {
  readonly info: DevnetInfo;
  readonly chain: Chain;
  readonly babylon: Babylon;
  readonly btc: BtcHeaderChain;
  readonly wasm: WasmModule;
  readonly rpc: RpcServer;
  readonly admin: AdminServer;
  readonly anvil?: Anvil;
  writeInfo(path: string): void;
  stop(): Promise<void>;
}

const DENOM = "ubbn";
const FUNDS = 1_000_000_000_000n;
const ACCOUNTS_FILE = "devnet-accounts.json";

export async function startDevnet(options: DevnetOptions = {}): Promise<Devnet> {
  const chainId = options.chainId ?? "bbn-devnet-1";
  const bsnId = options.bsnId ?? "op-devnet-1";
  const host = options.host ?? "127.0.0.1";
  const activationHeight = options.activationHeight ?? 1n;
  const interval = options.finalitySignatureInterval ?? 1n;
  const btcIntervalMs = options.btcBlockIntervalMs ?? 2000;
  const dialect = options.dialect ?? "rollup-bsn";
  if (options.stateDir) mkdirSync(options.stateDir, { recursive: true });

  const { mnemonics, adminMnemonic } = loadMnemonics(options);
  const accounts = mnemonics.map((mnemonic) => ({ address: accountAddress(mnemonic), mnemonic }));
  const contractAdmin = { address: accountAddress(adminMnemonic), mnemonic: adminMnemonic };

  const btc = new BtcHeaderChain(options.btc ?? {});
  const babylon = createBabylon({
    chainId,
    bsnId,
    btc,
    k: options.k,
    w: options.w,
    epochInterval: options.epochInterval,
    finalizationDepth: options.finalizationDepth,
    staking: options.staking,
  });
  const wasm = new WasmModule({
    chainQuery: (path, data, height) => chain.query(path, data, height),
    babylon: babylon.queries,
  });
  const chain: Chain = createChain({
    chainId,
    blockIntervalMs: options.blockIntervalMs ?? 1000,
    stateDir: options.stateDir ? join(options.stateDir, "babylon") : undefined,
    persistEveryBlocks: options.persistEveryBlocks,
    modules: [...babylon.modules, wasm],
    genesisAccounts: [...accounts, contractAdmin].map((a) => ({
      address: a.address,
      coins: [{ denom: DENOM, amount: FUNDS }],
    })),
  });

  chain.clockBehindMs = options.babylonClockBehindMs ?? 0;
  const contractAddress = classicContractAddress(1n, 1n);
  if (chain.height === 0n) {
    // Genesis deployment, as a chain's genesis file would carry it: code 1, instance 1.
    const admin = contractAdmin.address;
    const code = wasm.storeCode(finalityContractCode(dialect), admin);
    const init =
      dialect === "rollup-bsn"
        ? {
            admin,
            bsn_id: bsnId,
            min_pub_rand: Number(options.minPubRand ?? 10n),
            rate_limiting_interval: 10_000,
            max_msgs_per_interval: 10_000,
            bsn_activation_height: Number(activationHeight),
            finality_signature_interval: Number(interval),
            allowed_finality_providers: [],
          }
        : { admin, consumer_id: bsnId, is_enabled: true };
    const { address: deployed } = wasm.instantiate(
      code.id,
      admin,
      admin,
      "finality",
      new TextEncoder().encode(JSON.stringify(init)),
      { height: 0n, time: new Date(), chainId, emit: () => {} },
    );
    if (deployed !== contractAddress)
      throw new Error(`finality contract deployed at ${deployed}, expected ${contractAddress}`);
  }

  const started: { stop(): Promise<void> | void }[] = [];
  try {
    const rpc = await startRpcServer(chain, { host, port: options.rpcPort ?? 0 });
    started.push({ stop: () => rpc.close() });
    let anvil: Anvil | undefined;
    if (options.l2 !== false) {
      anvil = await startAnvil({
        blockTimeSec: 1,
        // With a state dir the L2 continues too (anvil dumps its chain there when it stops).
        ...(options.stateDir ? { stateFile: join(options.stateDir, "l2", "anvil-state.json") } : {}),
        ...(options.l2 ?? {}),
      });
      started.push(anvil);
    }
    const l2ChainId = anvil ? Number(BigInt(await anvil.rpc<string>("eth_chainId"))) : 0;

    // The contract admin's txs go through the devnet's own RPC, one at a time (one account, one sequence).
    let signer: Promise<SigningCosmWasmClient> | undefined;
    let adminTxs: Promise<unknown> = Promise.resolve();
    const addToAllowlist = (pks: string[]) => {
      // The op-finality-gadget contract has no allow-list: every registered provider of its consumer may vote.
      if (dialect === "op-finality-gadget")
        return Promise.resolve({ txHash: "", height: Number(chain.height) });
      signer ??= DirectSecp256k1HdWallet.fromMnemonic(adminMnemonic, { prefix: "bbn" }).then((wallet) =>
        SigningCosmWasmClient.connectWithSigner(rpc.url, wallet, {
          gasPrice: GasPrice.fromString(`0.002${DENOM}`),
          broadcastPollIntervalMs: 50,
        }),
      );
      const run = adminTxs.then(async () => {
        const client = await signer!;
        const r = await client.execute(
          contractAdmin.address,
          contractAddress,
          { add_to_allowlist: { fp_pubkey_hex_list: pks } },
          "auto",
        );
        return { txHash: r.transactionHash, height: r.height };
      });
      adminTxs = run.catch(() => {});
      return run;
    };
    started.push({
      stop: async () => (signer ? (await signer.catch(() => undefined))?.disconnect() : undefined),
    });

    let info!: DevnetInfo;
    const admin = await startAdminServer(
      {
        chain,
        babylon,
        btc,
        rpc,
        anvil,
        btcIntervalMs: btcIntervalMs || 2000,
        addToAllowlist,
        info: () => info,
      },
      { host, port: options.adminPort ?? 0 },
    );
    started.push({ stop: () => admin.close() });
    info = {
      babylon: { rpcUrl: rpc.url, wsUrl: rpc.wsUrl, chainId, denom: DENOM },
      l2: anvil ? { rpcUrl: anvil.url, chainId: l2ChainId } : null,
      adminUrl: admin.url,
      contractAddress,
      bsnId,
      activationHeight: String(activationHeight),
      finalitySignatureInterval: String(interval),
      accounts,
      mnemonics,
      contractAdmin,
    };

    chain.start();
    if (btcIntervalMs > 0) btc.start(btcIntervalMs);

    let stopping: Promise<void> | undefined;
    return {
      info,
      chain,
      babylon,
      btc,
      wasm,
      rpc,
      admin,
      anvil,
      writeInfo(path) {
        mkdirSync(dirname(resolve(path)), { recursive: true });
        writeFileSync(path, `${JSON.stringify(info, null, 2)}\n`);
      },
      stop() {
        stopping ??= (async () => {
          btc.stop();
          chain.stop();
          for (const s of started.reverse()) await s.stop();
        })();
        return stopping;
      },
    };
  } catch (err) {
    btc.stop();
    chain.stop();
    for (const s of started.reverse()) await s.stop();
    throw err;
  }
}

/**
 * The bbn1… address CosmJS's DirectSecp256k1HdWallet derives from a mnemonic (BIP-44 m/44'/118'/0'/0/0),
 * computed with node's native PBKDF2: CosmJS takes ~150 ms per wallet, too slow for a sub-second start.
 */
export function accountAddress(mnemonic: string): string {
  const seed = pbkdf2Sync(
    Buffer.from(mnemonic.normalize("NFKD"), "utf8"),
    Buffer.from("mnemonic"),
    2048,
    64,
    "sha512",
  );
  const key = HDKey.fromMasterSeed(seed).derive("m/44'/118'/0'/0/0");
  return addressFromPubkey(key.publicKey!);
}

/** Funded accounts survive restarts: the mnemonics live beside the chain state. */
function loadMnemonics(options: DevnetOptions): { mnemonics: string[]; adminMnemonic: string } {
  const file = options.stateDir ? join(options.stateDir, ACCOUNTS_FILE) : undefined;
  const saved =
    file && existsSync(file)
      ? (JSON.parse(readFileSync(file, "utf8")) as { mnemonics: string[]; adminMnemonic: string })
      : undefined;
  let mnemonics = options.mnemonics ?? saved?.mnemonics;
  if (!mnemonics) {
    const n = options.accounts ?? 3;
    if (!Number.isInteger(n) || n < 1) throw new Error(`accounts must be a positive integer, got ${n}`);
    mnemonics = Array.from({ length: n }, () => generateMnemonic());
  }
  if (mnemonics.length === 0) throw new Error("mnemonics: at least one funded account is needed");
  mnemonics.forEach((m, i) => {
    if (!validateMnemonic(m)) throw new Error(`mnemonics[${i}] is not a valid BIP-39 English mnemonic`);
  });
  const adminMnemonic = saved?.adminMnemonic ?? generateMnemonic();
  if (file) writeFileSync(file, `${JSON.stringify({ mnemonics, adminMnemonic }, null, 2)}\n`);
  return { mnemonics, adminMnemonic };
}

/**
 * `op-btc-finality devnet`: starts the devnet, prints its endpoints, writes `--out` (default devnet.json)
 * and runs until SIGINT/SIGTERM. Resolves with the process exit code.
 */
export async function runDevnetCommand(
  argv: string[],
  io: { log: (line: string) => void; signal?: AbortSignal } = { log: (l) => console.log(l) },
): Promise<number> {
  const { values } = parseCommandLine(argv, {
    options: {
      out: { type: "string", default: "devnet.json" },
      "state-dir": { type: "string" },
      "chain-id": { type: "string" },
      "bsn-id": { type: "string" },
      "block-interval-ms": { type: "string" },
      "btc-interval-ms": { type: "string" },
      "l2-block-time": { type: "string" },
      "no-l2": { type: "boolean", default: false },
      "rpc-port": { type: "string" },
      "admin-port": { type: "string" },
      accounts: { type: "string" },
      "activation-height": { type: "string" },
      interval: { type: "string" },
      dialect: { type: "string", default: "rollup-bsn" },
    },
  });
  const dialect = values.dialect;
  if (dialect !== "rollup-bsn" && dialect !== "op-finality-gadget") {
    throw new Error(`--dialect must be rollup-bsn or op-finality-gadget, got ${JSON.stringify(dialect)}`);
  }
  const int = (name: string, v: string | undefined) => {
    if (v === undefined) return undefined;
    if (!/^\d+$/.test(v))
      throw new Error(`--${name} must be a non-negative integer, got ${JSON.stringify(v)}`);
    return Number(v);
  };
  const big = (name: string, v: string | undefined) => (v === undefined ? undefined : BigInt(int(name, v)!));
  const l2Time = values["l2-block-time"];
  if (l2Time !== undefined && !(Number(l2Time) > 0))
    throw new Error(`--l2-block-time must be a positive number of seconds`);
  const devnet = await startDevnet({
    stateDir: values["state-dir"],
    chainId: values["chain-id"],
    bsnId: values["bsn-id"],
    blockIntervalMs: int("block-interval-ms", values["block-interval-ms"]),
    btcBlockIntervalMs: int("btc-interval-ms", values["btc-interval-ms"]),
    l2: values["no-l2"] ? false : { blockTimeSec: l2Time === undefined ? 1 : Number(l2Time) },
    rpcPort: int("rpc-port", values["rpc-port"]),
    adminPort: int("admin-port", values["admin-port"]),
    accounts: int("accounts", values.accounts),
    activationHeight: big("activation-height", values["activation-height"]),
    finalitySignatureInterval: big("interval", values.interval),
    dialect,
  });
  devnet.writeInfo(values.out!);
  const { info } = devnet;
  io.log(`Babylon RPC   ${info.babylon.rpcUrl}  (ws ${info.babylon.wsUrl}, chain ${info.babylon.chainId})`);
  io.log(`L2 RPC        ${info.l2 ? `${info.l2.rpcUrl}  (chain ${info.l2.chainId})` : "none"}`);
  io.log(`Admin API     ${info.adminUrl}`);
  io.log(`Contract      ${info.contractAddress}  (BSN ${info.bsnId}, ${dialect} bytecode)`);
  io.log(`Wrote         ${resolve(values.out!)}`);
  await new Promise<void>((done) => {
    const finish = () => {
      process.off("SIGINT", finish);
      process.off("SIGTERM", finish);
      done();
    };
    process.once("SIGINT", finish);
    process.once("SIGTERM", finish);
    io.signal?.addEventListener("abort", finish, { once: true });
  });
  await devnet.stop();
  io.log("devnet stopped");
  return 0;
}
