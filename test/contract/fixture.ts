// A provider with real keys, randomness, commitments and EOTS votes, and the real compiled finality
// contract run by the devnet's CosmWasm host (ContractSandbox: no chain), with a Babylon whose providers
// and epochs the tests set directly.
import { toBech32 } from "@cosmjs/encoding";
import { sha256 } from "@noble/hashes/sha2.js";
import { finalityContractCode } from "../../contracts/finality/bytecode.ts";
import { ContractError } from "../../contracts/finality/contract-error.ts";
import { type JsonValue, stringifyJson } from "../../contracts/finality/json.ts";
import {
  type BabylonMsg,
  type ExecuteMsg,
  type InstantiateMsg,
  type QueryMsg,
  serializeExecuteMsg,
  serializeInstantiateMsg,
  serializeQueryMsg,
} from "../../contracts/finality/messages.ts";
import {
  bip340,
  eots,
  finalityVoteMessage,
  hexToBytes,
  keys,
  merkle,
  randomness,
  randomnessCommitMessage,
  signingContext,
} from "../../src/core/crypto/index.ts";
import { isValidAddress } from "../../src/devnet/chain/encoding.ts";
import { AbciError } from "../../src/devnet/chain/module.ts";
import { classicContractAddress } from "../../src/devnet/chain/wasm-address.ts";
import { ContractSandbox, type SandboxBabylon } from "../../src/devnet/contract-sandbox.ts";

export const CHAIN_ID = "bbn-test-5";
/** The sandbox deploys code 1, instance 1. */
export const CONTRACT = classicContractAddress(1n, 1n);
export const ADMIN = toBech32("bbn", new Uint8Array(20).fill(0xad));
export const NEW_ADMIN = toBech32("bbn", new Uint8Array(20).fill(0xae));
/** Who sends provider messages (the contract does not check it). */
export const SENDER = toBech32("bbn", new Uint8Array(20).fill(0x5e));
export const BSN_ID = "op-stack-l2-11155420";

export interface Env {
  blockHeight: bigint;
  /** Run the call as if on another Babylon chain (default: CHAIN_ID). */
  chainId?: string;
}

export function env(blockHeight: bigint): Env {
  return { blockHeight };
}

export interface Attribute {
  key: string;
  value: string;
}

/** A call's outcome as the contract returned it: wasmd's events unwrapped (no `_contract_address`). */
export interface ExecuteResult {
  attributes: Attribute[];
  events: { type: string; attributes: Attribute[] }[];
  messages: BabylonMsg[];
}

export const VOTE_CONTEXT = signingContext("fp_fin_vote", CHAIN_ID, CONTRACT);
export const COMMIT_CONTEXT = signingContext("fp_rand_commit", CHAIN_ID, CONTRACT);

/** Babylon as the contract sees it; `register` adds a provider of a BSN, not slashed. */
export class TestHost {
  constructor(private readonly babylon: SandboxBabylon) {}
  get epoch(): bigint {
    return this.babylon.epoch;
  }
  set epoch(e: bigint) {
    this.babylon.epoch = e;
  }
  get finalizedEpoch(): bigint {
    return this.babylon.finalized;
  }
  set finalizedEpoch(e: bigint) {
    this.babylon.finalized = e;
  }
  get providers() {
    return this.babylon.providers;
  }
  register(pkHex: string, bsnId = BSN_ID): void {
    this.babylon.providers.set(pkHex, { bsnId, slashedBabylonHeight: 0n, slashedBtcHeight: 0 });
  }
}

const WASM_SUFFIX = /: (execute|instantiate|query) wasm contract failed$/;

/** The contract's own error text, as a ContractError (the host's wrapping removed). */
function contractError(e: unknown): unknown {
  if (e instanceof AbciError && WASM_SUFFIX.test(e.log))
    return new ContractError(e.log.replace(WASM_SUFFIX, ""), "");
  return e;
}

const strip = (attributes: { key: string; value: string }[]) =>
  attributes.filter((a) => a.key !== "_contract_address").map((a) => ({ key: a.key, value: a.value }));

/** The deployed contract, called the way the chain calls it. */
export class HostedContract {
  constructor(
    readonly sandbox: ContractSandbox,
    readonly address: string,
  ) {}

  /** Runs `msg` at a height; a sender that is no address (the contract ignores it) becomes SENDER. */
  execute(msg: ExecuteMsg | string, at: Env, sender: string = SENDER): ExecuteResult {
    this.sandbox.height = at.blockHeight;
    if (!isValidAddress(sender)) sender = SENDER;
    const chainId = this.sandbox.chainId;
    if (at.chainId) this.sandbox.chainId = at.chainId;
    try {
      const outcome = this.sandbox.execute(
        this.address,
        sender,
        typeof msg === "string" ? msg : serializeExecuteMsg(msg),
      );
      return {
        attributes: strip(outcome.events.find((e) => e.type === "wasm")?.attributes ?? []),
        events: outcome.events
          .filter((e) => e.type.startsWith("wasm-"))
          .map((e) => ({ type: e.type.slice("wasm-".length), attributes: strip(e.attributes) })),
        messages: outcome.messages.map(
          (m) => ({ msg_equivocation_evidence: m.value }) as unknown as BabylonMsg,
        ),
      };
    } catch (e) {
      throw contractError(e);
    } finally {
      this.sandbox.chainId = chainId;
    }
  }

  /** The reply JSON text, exactly as the contract wrote it. */
  queryJson(msg: QueryMsg, at: Env): string {
    this.sandbox.height = at.blockHeight;
    try {
      return new TextDecoder().decode(
        this.sandbox.wasm.querySmart(
          this.address,
          new TextEncoder().encode(serializeQueryMsg(msg)),
          at.blockHeight,
        ),
      );
    } catch (e) {
      throw contractError(e);
    }
  }

  query(msg: QueryMsg, at: Env): JsonValue {
    this.sandbox.height = at.blockHeight;
    try {
      return this.sandbox.query(this.address, serializeQueryMsg(msg));
    } catch (e) {
      throw contractError(e);
    }
  }

  /** The contract's whole storage, for "a rejected call changed nothing" checks. */
  storage(): string {
    return stringifyJson(
      (
        this.sandbox.wasm.exportState() as { contracts: { address: string; storage: unknown }[] }
      ).contracts.find((c) => c.address === this.address)?.storage ?? null,
    );
  }
}

export class Provider {
  readonly pk: Uint8Array;
  readonly pkHex: string;
  constructor(readonly sk: Uint8Array) {
    this.pk = keys.xonlyPublicKey(sk);
    this.pkHex = keys.publicKeyHex(sk);
  }

  static fromSeed(seed: number): Provider {
    const sk = sha256(new TextEncoder().encode(`provider-${seed}`));
    return new Provider(sk);
  }

  /** A commitment of `num` randomness values at start, start + interval, … plus everything to vote with it. */
  commitment(start: bigint, num: number, interval: bigint) {
    const list = randomness.deriveRandomnessList(this.sk, BSN_ID, start, num, interval);
    const root = merkle.root(list.pubRands);
    const proofs = merkle.proofs(list.pubRands);
    const signature = bip340.sign(
      this.sk,
      sha256(randomnessCommitMessage(start, BigInt(num), root, COMMIT_CONTEXT)),
    );
    const msg: ExecuteMsg = {
      commit_public_randomness: {
        fp_pubkey_hex: this.pkHex,
        start_height: start,
        num_pub_rand: BigInt(num),
        commitment: root,
        signature,
      },
    };
    const vote = (height: bigint, blockHash: Uint8Array) => {
      const i = list.heights.indexOf(height);
      if (i < 0) throw new Error(`height ${height} is not in the commitment`);
      const proof = proofs[i]!;
      const sig = eots.sign(
        this.sk,
        list.privRands[i]!,
        finalityVoteMessage(height, blockHash, VOTE_CONTEXT),
      );
      const submit: ExecuteMsg = {
        submit_finality_signature: {
          fp_pubkey_hex: this.pkHex,
          height,
          pub_rand: list.pubRands[i]!,
          proof: { total: proof.total, index: proof.index, leaf_hash: proof.leafHash, aunts: proof.aunts },
          block_hash: blockHash,
          signature: sig,
        },
      };
      return submit;
    };
    return { msg, root, list, proofs, vote };
  }
}

export function blockHash(label: string): Uint8Array {
  return sha256(new TextEncoder().encode(label));
}

export function instantiateMsg(overrides: Partial<InstantiateMsg> = {}): InstantiateMsg {
  return {
    admin: ADMIN,
    bsn_id: BSN_ID,
    min_pub_rand: 10n,
    rate_limiting_interval: 100n,
    max_msgs_per_interval: 50,
    bsn_activation_height: 100n,
    finality_signature_interval: 5n,
    ...overrides,
  };
}

/**
 * Deploys the real contract at height 10 with `providers` registered on Babylon (epoch 3, none finalized)
 * and allow-listed. Throws ContractError if the contract refuses the instantiate message.
 */
export function setup(providers: Provider[], overrides: Partial<InstantiateMsg> = {}) {
  const sandbox = new ContractSandbox({ chainId: CHAIN_ID });
  sandbox.height = 10n;
  sandbox.babylon.epoch = 3n;
  sandbox.babylon.finalized = 0n;
  const host = new TestHost(sandbox.babylon);
  for (const p of providers) host.register(p.pkHex);
  const msg = instantiateMsg({ allowed_finality_providers: providers.map((p) => p.pkHex), ...overrides });
  let deployed: ReturnType<ContractSandbox["deploy"]>;
  try {
    deployed = sandbox.deploy(finalityContractCode(), serializeInstantiateMsg(msg), ADMIN);
  } catch (e) {
    throw contractError(e);
  }
  const result: ExecuteResult = {
    attributes: strip(deployed.events.find((e) => e.type === "wasm")?.attributes ?? []),
    events: [],
    messages: [],
  };
  return { host, sandbox, result, contract: new HostedContract(sandbox, deployed.address) };
}

export { hexToBytes };
