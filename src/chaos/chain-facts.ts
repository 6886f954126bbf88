// What the checker knows about the chains, read only through their public interfaces: the L2's JSON-RPC
// (viem), Babylon's CometBFT JSON-RPC (block, block_results, abci_query) and the finality contract's smart
// queries. Nothing here reads the gadget's database or imports the gadget's chain adapters.
import { createPublicClient, http, type PublicClient } from "viem";
import { readStakingTx } from "./btc-staking-tx.ts";
import {
  bytesField,
  decodeMessage,
  encodeMessage,
  repeatedMessages,
  stringField,
  uintField,
} from "./proto-wire.ts";
import type {
  BabylonBlockFact,
  BtcHeaderFact,
  DelegationFact,
  ProviderFact,
  StakingParamsFact,
} from "./rules.ts";

export class ChainReadError extends Error {}

export interface L2BlockFact {
  height: bigint;
  hash: string;
  parentHash: string;
  timestamp: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Retries a read through injected RPC faults; gives up after `attempts`. */
async function retrying<T>(what: string, fn: () => Promise<T>, attempts = 40): Promise<T> {
  let last: unknown;
  for (let i = 0; i < attempts; i++) {
    try {
      return await fn();
    } catch (error) {
      last = error;
      await sleep(Math.min(2_000, 100 * 2 ** Math.min(i, 5)));
    }
  }
  throw new ChainReadError(`${what}: ${(last as Error)?.message ?? String(last)}`);
}

export class L2Facts {
  private readonly client: PublicClient;
  /** Canonical chain as last read, by height. */
  readonly blocks = new Map<bigint, L2BlockFact>();
  /** Every hash ever seen at a height (reorged-away ones included). */
  readonly seenHashes = new Map<bigint, Set<string>>();

  constructor(rpcUrl: string) {
    this.client = createPublicClient({ transport: http(rpcUrl, { retryCount: 0, timeout: 10_000 }) });
  }

  async head(): Promise<bigint> {
    return retrying("L2 head", () => this.client.getBlockNumber({ cacheTime: 0 }));
  }

  /** The canonical hash at `height` now. */
  async hashAt(height: bigint): Promise<string> {
    const b = await retrying(`L2 block ${height}`, () => this.client.getBlock({ blockNumber: height }));
    return b.hash!.toLowerCase();
  }

  /** Reads the chain from `from` to the head again; heights above the new head are dropped (a reorg). */
  async sync(from: bigint): Promise<bigint> {
    const head = await this.head();
    for (const h of [...this.blocks.keys()]) if (h > head) this.blocks.delete(h);
    for (let h = from < 0n ? 0n : from; h <= head; h++) {
      const b = await retrying(`L2 block ${h}`, () => this.client.getBlock({ blockNumber: h }));
      const fact: L2BlockFact = {
        height: h,
        hash: b.hash!.toLowerCase(),
        parentHash: b.parentHash.toLowerCase(),
        timestamp: Number(b.timestamp),
      };
      this.blocks.set(h, fact);
      const seen = this.seenHashes.get(h) ?? new Set<string>();
      seen.add(fact.hash);
      this.seenHashes.set(h, seen);
    }
    return head;
  }

  /** Whether `older` is an ancestor of `newer` by the parent links of the chain as read. */
  isAncestor(older: { height: bigint; hash: string }, newer: { height: bigint; hash: string }): boolean {
    let cur = this.blocks.get(newer.height);
    if (cur?.hash !== newer.hash) return false;
    while (cur !== undefined && cur.height > older.height) {
      const parent = this.blocks.get(cur.height - 1n);
      if (parent === undefined || parent.hash !== cur.parentHash) return false;
      cur = parent;
    }
    return cur?.hash === older.hash;
  }
}

type RpcResult = Record<string, unknown>;

interface EventAttr {
  key: string;
  value: string;
}
interface RpcEvent {
  type: string;
  attributes: EventAttr[];
}

/** A typed event's attribute: Babylon JSON-encodes each field's value. */
function attr(e: RpcEvent, key: string): unknown {
  const raw = e.attributes.find((a) => a.key === key)?.value;
  if (raw === undefined) return undefined;
  try {
    return JSON.parse(raw);
  } catch {
    return raw;
  }
}
const attrString = (e: RpcEvent, key: string): string => {
  const v = attr(e, key);
  return v === undefined || v === null ? "" : String(v);
};

/** A provider the contract slashed for equivocation, seen in a Babylon block. */
export interface SlashEvidenceFact {
  babylonHeight: number;
  btcPkHex: string;
}

export class BabylonFacts {
  readonly blocks: BabylonBlockFact[] = [];
  readonly providers = new Map<string, ProviderFact>();
  readonly delegations = new Map<string, DelegationFact>();
  readonly equivocationSlashes: SlashEvidenceFact[] = [];
  /** Slashings by provider: the Babylon height of its status change, or of the state that first showed it. */
  readonly slashStatus = new Map<string, number>();
  private readonly allowlists = new Map<number, Set<string>>();
  private id = 0;

  constructor(
    readonly rpcUrl: string,
    readonly contractAddress: string,
    readonly bsnId: string,
  ) {}

  private async rpc(method: string, params: Record<string, unknown>): Promise<RpcResult> {
    return retrying(`Babylon ${method}`, async () => {
      const res = await fetch(this.rpcUrl, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ jsonrpc: "2.0", id: ++this.id, method, params }),
        signal: AbortSignal.timeout(10_000),
      });
      const body = (await res.json()) as { result?: RpcResult; error?: { message: string; data?: string } };
      if (body.error) throw new Error(`${body.error.message} ${body.error.data ?? ""}`);
      if (body.result === undefined) throw new Error("no result");
      return body.result;
    });
  }

  private async abci(path: string, data: Uint8Array): Promise<Uint8Array> {
    const r = await this.rpc("abci_query", { path, data: Buffer.from(data).toString("hex") });
    const resp = r.response as { code?: number; log?: string; value?: string | null };
    if ((resp.code ?? 0) !== 0) throw new ChainReadError(`abci_query ${path}: ${resp.log ?? resp.code}`);
    return Buffer.from(resp.value ?? "", "base64");
  }

  async smart<T>(query: unknown): Promise<T> {
    const req = encodeMessage([
      [1, this.contractAddress],
      [2, new TextEncoder().encode(JSON.stringify(query))],
    ]);
    const out = decodeMessage(await this.abci("/cosmwasm.wasm.v1.Query/SmartContractState", req));
    return JSON.parse(new TextDecoder().decode(bytesField(out, 1) ?? new Uint8Array())) as T;
  }

  async grid(): Promise<{ activation: bigint; interval: bigint }> {
    const c = await this.smart<{ bsn_activation_height: number; finality_signature_interval: number }>({
      config: {},
    });
    return { activation: BigInt(c.bsn_activation_height), interval: BigInt(c.finality_signature_interval) };
  }

  async blockVoters(height: bigint, hashHex: string): Promise<string[]> {
    const r = await this.smart<{ fp_btc_pk_hex: string }[] | null>({
      block_voters: { height: Number(height), hash_hex: hashHex.replace(/^0x/, "") },
    });
    return (r ?? []).map((v) => v.fp_btc_pk_hex.toLowerCase());
  }

  async allowlistAt(babylonHeight: number): Promise<Set<string>> {
    const cached = this.allowlists.get(babylonHeight);
    if (cached) return cached;
    const list = await this.smart<string[]>({
      allowed_finality_providers_at_height: { babylon_height: babylonHeight },
    });
    const set = new Set(list.map((pk) => pk.toLowerCase()));
    this.allowlists.set(babylonHeight, set);
    return set;
  }

  async stakingParams(): Promise<StakingParamsFact> {
    const out = decodeMessage(await this.abci("/babylon.btccheckpoint.v1.Query/Params", new Uint8Array()));
    const params = repeatedMessages(out, 1)[0];
    if (params === undefined) throw new ChainReadError("btccheckpoint params: empty reply");
    return { k: Number(uintField(params, 1)), w: Number(uintField(params, 2)) };
  }

  /** Every header of the light client's main chain (walked from the tip down, 1000 a page). */
  async btcHeaders(): Promise<BtcHeaderFact[]> {
    const out: BtcHeaderFact[] = [];
    let key: Uint8Array = new Uint8Array();
    for (;;) {
      const page = encodeMessage(
        key.length > 0
          ? [
              [1, key],
              [3, 1000],
            ]
          : [[3, 1000]],
      );
      const reply = decodeMessage(
        await this.abci("/babylon.btclightclient.v1.Query/MainChain", encodeMessage([[1, page]])),
      );
      for (const h of repeatedMessages(reply, 1)) {
        const header = Buffer.from(stringField(h, 1), "hex");
        out.push({ height: Number(uintField(h, 3)), time: header.readUInt32LE(68) });
      }
      const next = repeatedMessages(reply, 2)[0];
      key = (next && bytesField(next, 1)) ?? new Uint8Array();
      if (key.length === 0) return out.sort((a, b) => a.height - b.height);
    }
  }

  /** A provider's slashing as Babylon's state has it: Babylon and BTC heights, 0 when not slashed. */
  async slashing(btcPkHex: string): Promise<{ babylonHeight: number; btcHeight: number }> {
    const reply = decodeMessage(
      await this.abci("/babylon.btcstaking.v1.Query/FinalityProvider", encodeMessage([[1, btcPkHex]])),
    );
    const fp = repeatedMessages(reply, 1)[0];
    if (fp === undefined) return { babylonHeight: 0, btcHeight: 0 };
    return { babylonHeight: Number(uintField(fp, 6)), btcHeight: Number(uintField(fp, 7)) };
  }

  async latestHeight(): Promise<number> {
    const s = await this.rpc("status", {});
    return Number((s.sync_info as { latest_block_height: string }).latest_block_height);
  }

  /** Reads every Babylon block not yet read: its time and the staking events in its results. */
  async sync(): Promise<void> {
    const latest = await this.latestHeight();
    for (let h = (this.blocks.at(-1)?.height ?? 0) + 1; h <= latest; h++) {
      const [block, results] = await Promise.all([
        this.rpc("block", { height: String(h) }),
        this.rpc("block_results", { height: String(h) }),
      ]);
      const time = (block.block as { header: { time: string } }).header.time;
      this.blocks.push({ height: h, time: Date.parse(time.replace(/(\.\d{3})\d+/, "$1")) / 1000 });
      const events: RpcEvent[] = [
        ...(((results.finalize_block_events ?? []) as RpcEvent[]) ?? []),
        ...((results.txs_results ?? []) as { events?: RpcEvent[] }[]).flatMap((t) => t.events ?? []),
        ...(((results.begin_block_events ?? []) as RpcEvent[]) ?? []),
        ...(((results.end_block_events ?? []) as RpcEvent[]) ?? []),
      ];
      for (const e of events) this.apply(h, e);
    }
    // A BSN provider's slashing need not come with an event (Babylon v3 reports the status change only for
    // its own providers), so every provider not known slashed is asked each time.
    for (const [pk, fp] of this.providers) {
      if (fp.slashedBtcHeight !== 0) continue;
      const slashing = await this.slashing(pk);
      if (slashing.babylonHeight === 0) continue;
      fp.slashedBtcHeight = slashing.btcHeight;
      fp.slashedBabylonHeight = slashing.babylonHeight;
      if (!this.slashStatus.has(pk)) this.slashStatus.set(pk, slashing.babylonHeight);
    }
  }

  private apply(height: number, e: RpcEvent): void {
    const type = e.type.replace(/^babylon\.(btcstaking|finality)\.v1\./, "");
    switch (type) {
      case "EventFinalityProviderCreated": {
        if (attrString(e, "bsn_id") !== this.bsnId) return;
        const pk = attrString(e, "btc_pk_hex").toLowerCase();
        this.providers.set(pk, {
          btcPkHex: pk,
          slashedBtcHeight: 0,
          slashedBabylonHeight: 0,
          jailChanges: [],
        });
        return;
      }
      case "EventFinalityProviderStatusChange": {
        const fp = this.providers.get(attrString(e, "btc_pk").toLowerCase());
        if (fp === undefined) return;
        const state = attrString(e, "new_state");
        if (/JAILED/.test(state)) fp.jailChanges.push({ babylonHeight: height, jailed: true });
        else if (/ACTIVE|INACTIVE/.test(state)) fp.jailChanges.push({ babylonHeight: height, jailed: false });
        else if (/SLASHED/.test(state)) this.slashStatus.set(fp.btcPkHex, height);
        return;
      }
      case "EventSlashedFinalityProvider": {
        const evidence = attr(e, "evidence") as { fp_btc_pk?: string; fp_btc_pk_hex?: string } | undefined;
        this.equivocationSlashes.push({
          babylonHeight: height,
          btcPkHex: String(evidence?.fp_btc_pk_hex ?? evidence?.fp_btc_pk ?? "").toLowerCase(),
        });
        return;
      }
      case "EventBTCDelegationCreated": {
        const tx = readStakingTx(attrString(e, "staking_tx_hex"));
        const index = Number(attrString(e, "staking_output_index"));
        const fps = attr(e, "finality_provider_btc_pks_hex");
        this.delegations.set(tx.txid, {
          stakingTxHash: tx.txid,
          fps: (Array.isArray(fps) ? fps : [fps]).map((pk) => String(pk).toLowerCase()),
          totalSat: tx.outputValues[index] ?? 0n,
          startHeight: null,
          endHeight: null,
          covenantQuorum: false,
          unbondedAtBtcHeight: null,
          activeBabylonHeight: null,
          unbondedBabylonHeight: null,
        });
        return;
      }
      case "EventCovenantQuorumReached": {
        const d = this.delegations.get(attrString(e, "staking_tx_hash"));
        if (!d) return;
        d.covenantQuorum = true;
        reportedActive(d, e, height);
        return;
      }
      case "EventBTCDelegationInclusionProofReceived": {
        const d = this.delegations.get(attrString(e, "staking_tx_hash"));
        if (!d) return;
        d.startHeight = Number(attrString(e, "start_height"));
        d.endHeight = Number(attrString(e, "end_height"));
        reportedActive(d, e, height);
        return;
      }
      case "EventBTCDelgationUnbondedEarly": {
        const d = this.delegations.get(attrString(e, "staking_tx_hash"));
        if (!d || d.unbondedBabylonHeight !== null) return;
        d.unbondedAtBtcHeight = Number(attrString(e, "start_height"));
        d.unbondedBabylonHeight = height;
        return;
      }
    }
  }
}

/** The first event that says a delegation is ACTIVE: from the next Babylon block on, it has voting power. */
function reportedActive(d: DelegationFact, e: RpcEvent, height: number): void {
  if (d.activeBabylonHeight === null && /ACTIVE/.test(attrString(e, "new_state")))
    d.activeBabylonHeight = height;
}
