// Test harness for the voting loop: the three ports backed by in-memory stand-ins. The contract side is
// the real compiled rollup-BSN finality contract run by the devnet's CosmWasm host without a chain
// (ContractSandbox): one Babylon block per transaction, all messages of a tx applied or none.
import { createHash } from "node:crypto";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { toBech32 } from "@cosmjs/encoding";
import pino from "pino";
import { finalityContractCode } from "../../contracts/finality/bytecode.ts";
import type { JsonValue } from "../../contracts/finality/json.ts";
import {
  configResponseCodec,
  type ExecuteMsg,
  type MsgEquivocationEvidence,
  optionalPubRandCommitCodec,
  serializeExecuteMsg,
  serializeInstantiateMsg,
} from "../../contracts/finality/messages.ts";
import { createProviderMetrics } from "../../provider/metrics.ts";
import { RandomnessStore } from "../../provider/randomness-store.ts";
import { SignGuard } from "../../provider/sign-guard.ts";
import type {
  BabylonPort,
  ContractPort,
  FinalityVote,
  L2Block,
  L2Source,
  L2Tag,
  RandomnessCommitRequest,
  VoterOptions,
} from "../../provider/voter.ts";
import { Voter } from "../../provider/voter.ts";
import { publicKeyHex, secretKeyFromMnemonic } from "../../src/core/crypto/keys.ts";
import { ContractSandbox } from "../../src/devnet/contract-sandbox.ts";

export const MNEMONIC = `${"abandon ".repeat(23)}art`;
export const SK = secretKeyFromMnemonic(MNEMONIC);
export const PK = publicKeyHex(SK);
export const BSN = "op-stack-l2-901";
export const BABYLON_CHAIN = "bbn-devnet-1";
export const CONTRACT = "bbn14hj2tavq8fpesdwxxcu44rty3hh90vhujrvcmstl4zr3txmfvw9sw76fy2";
const ADMIN = toBech32("bbn", new Uint8Array(20).fill(0xad));
const PROVIDER_ACCOUNT = toBech32("bbn", new Uint8Array(20).fill(0xf9));

export class FakeL2 implements L2Source {
  tip = 0n;
  private fork = new Map<bigint, string>();
  calls = 0;
  down = false;

  hashAt(h: bigint): Uint8Array {
    return createHash("sha256")
      .update(`l2-${h}-${this.fork.get(h) ?? ""}`)
      .digest();
  }

  /** Replaces every block from `from` to the tip with a different one. */
  reorg(from: bigint, tag: string): void {
    for (let h = from; h <= this.tip; h++) this.fork.set(h, tag);
  }

  async latestHeight(_tag: L2Tag): Promise<bigint> {
    this.calls++;
    if (this.down) throw new Error("L2 RPC unreachable");
    return this.tip;
  }

  async blockAt(height: bigint): Promise<L2Block> {
    if (this.down) throw new Error("L2 RPC unreachable");
    if (height > this.tip) throw new Error(`no block ${height}`);
    return { height, hash: this.hashAt(height) };
  }
}

export type Fault = "fail-before-apply" | "apply-then-lose-response";

/** Babylon (epochs, delegations) plus the finality contract hosted on it. */
export class FakeChain implements ContractPort, BabylonPort {
  readonly sandbox = new ContractSandbox({ chainId: BABYLON_CHAIN });
  power = true;
  readonly equivocations: MsgEquivocationEvidence[] = [];
  readonly submittedTxs: FinalityVote[][] = [];
  readonly faults: Fault[] = [];

  constructor(opts: { activation: bigint; interval: bigint; minPubRand?: bigint; maxMsgs?: number }) {
    this.sandbox.babylon.providers.set(PK, { bsnId: BSN, slashedBabylonHeight: 0n, slashedBtcHeight: 0 });
    const msg = serializeInstantiateMsg({
      admin: ADMIN,
      bsn_id: BSN,
      min_pub_rand: opts.minPubRand ?? 10n,
      rate_limiting_interval: 1000n,
      max_msgs_per_interval: opts.maxMsgs ?? 100_000,
      bsn_activation_height: opts.activation,
      finality_signature_interval: opts.interval,
      allowed_finality_providers: [PK],
    });
    const { address } = this.sandbox.deploy(finalityContractCode(), msg, ADMIN);
    if (address !== CONTRACT) throw new Error(`contract deployed at ${address}, expected ${CONTRACT}`);
  }

  get currentEpoch(): bigint {
    return this.sandbox.babylon.epoch;
  }
  set currentEpoch(e: bigint) {
    this.sandbox.babylon.epoch = e;
  }
  get finalizedEpoch(): bigint {
    return this.sandbox.babylon.finalized;
  }
  set finalizedEpoch(e: bigint) {
    this.sandbox.babylon.finalized = e;
  }

  /** Runs one Babylon transaction: all messages or none, like wasmd. */
  private tx(msgs: ExecuteMsg[]): { txHash: string } {
    const fault = this.faults.shift();
    if (fault === "fail-before-apply") throw new Error("broadcast failed: connection reset");
    this.sandbox.height++;
    const outcome = this.sandbox.executeAll(CONTRACT, PROVIDER_ACCOUNT, msgs.map(serializeExecuteMsg));
    for (const m of outcome.messages) {
      if (m.typeUrl === "/babylon.finality.v1.MsgEquivocationEvidence") {
        this.equivocations.push(m.value as unknown as MsgEquivocationEvidence);
      }
    }
    if (fault === "apply-then-lose-response") throw new Error("timed out waiting for tx to be included");
    return { txHash: `TX${this.sandbox.height}` };
  }

  private query(msg: Record<string, unknown>): JsonValue {
    return this.sandbox.query(CONTRACT, msg);
  }

  async config() {
    return configResponseCodec.parse(this.query({ config: {} }), "config");
  }

  async highestVotedHeight(pk: string): Promise<bigint | null> {
    const v = this.query({ highest_voted_height: { btc_pk_hex: pk } });
    return v === null ? null : BigInt(v as number);
  }

  async lastPubRandCommit(pk: string) {
    const v = this.query({ last_pub_rand_commit: { btc_pk_hex: pk } });
    return optionalPubRandCommitCodec.parse(v, "last_pub_rand_commit");
  }

  async pubRandCommitForHeight(pk: string, height: bigint) {
    const v = this.query({ pub_rand_commit_for_height: { btc_pk_hex: pk, height: Number(height) } });
    return optionalPubRandCommitCodec.parse(v, "pub_rand_commit_for_height");
  }

  async commitPublicRandomness(req: RandomnessCommitRequest) {
    return this.tx([
      {
        commit_public_randomness: {
          fp_pubkey_hex: req.fpPubkeyHex,
          start_height: req.startHeight,
          num_pub_rand: req.numPubRand,
          commitment: req.commitment,
          signature: req.signature,
        },
      },
    ]);
  }

  async submitFinalitySignatures(votes: FinalityVote[]) {
    this.submittedTxs.push(votes);
    return this.tx(
      votes.map((v) => ({
        submit_finality_signature: {
          fp_pubkey_hex: v.fpPubkeyHex,
          height: v.height,
          pub_rand: v.pubRand,
          proof: {
            total: v.proof.total,
            index: v.proof.index,
            leaf_hash: v.proof.leafHash,
            aunts: v.proof.aunts,
          },
          block_hash: v.blockHash,
          signature: v.signature,
        },
      })),
    );
  }

  async hasVotingPower(_pk: string): Promise<boolean> {
    return this.power;
  }

  async lastFinalizedEpoch(): Promise<bigint> {
    return this.finalizedEpoch;
  }

  /** The block hash the contract holds a vote from PK for at `height`, if any (via block_voters). */
  votedHash(height: bigint, candidates: Uint8Array[]): Uint8Array[] {
    const found: Uint8Array[] = [];
    for (const hash of candidates) {
      const v = this.query({
        block_voters: { height: Number(height), hash_hex: Buffer.from(hash).toString("hex") },
      }) as { fp_btc_pk_hex: string }[] | null;
      if (v?.some((x) => x.fp_btc_pk_hex === PK)) found.push(hash);
    }
    return found;
  }
}

export interface Rig {
  home: string;
  l2: FakeL2;
  chain: FakeChain;
  voter: Voter;
  guard: SignGuard;
  metrics: ReturnType<typeof createProviderMetrics>;
  logs: { level: number; msg: string; [k: string]: unknown }[];
  /** The process dies: the voter object is dropped; only the journal lock is released (a kill -9 leaves a
   * stale lock that the next start takes over; in-process we cannot leave our own pid behind). */
  crash(): void;
  /** A new process on the same home: fresh guard, store and voter, then init(). */
  restart(): Promise<void>;
}

export async function startRig(
  l2: FakeL2,
  chain: FakeChain,
  options: Partial<VoterOptions> = {},
  home = mkdtempSync(join(tmpdir(), "voter-")),
): Promise<Rig> {
  const logs: Rig["logs"] = [];
  const logger = pino({ level: "info" }, { write: (line: string) => logs.push(JSON.parse(line)) });
  const rig = { home, l2, chain, logs } as Rig;
  rig.crash = () => rig.guard.close();
  rig.restart = async () => {
    const cfg = await chain.config();
    const grid = { activationHeight: cfg.bsn_activation_height, interval: cfg.finality_signature_interval };
    const guard = SignGuard.open({ dir: join(home, "guard"), namespace: `${PK}/${BSN}` });
    const store = RandomnessStore.open({ dir: join(home, "randomness"), secretKey: SK, chainId: BSN, grid });
    const metrics = createProviderMetrics();
    const voter = new Voter(
      {
        fpPubkeyHex: PK,
        secretKey: SK,
        bsnId: BSN,
        babylonChainId: BABYLON_CHAIN,
        contractAddress: CONTRACT,
        randomnessBatch: 50n,
        randomnessLookAhead: 100n,
        timestampingDelay: 0n,
        maxVotesPerTx: 4,
        pollIntervalMs: 1,
        backoffBaseMs: 1,
        backoffMaxMs: 4,
        ...options,
      },
      { l2, contract: chain, babylon: chain, guard, store, metrics, logger, sleep: async () => {} },
    );
    Object.assign(rig, { guard, voter, metrics });
    await voter.init();
  };
  await rig.restart();
  return rig;
}
