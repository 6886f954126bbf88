// Reads Babylon's current state — contract config and allow-list, staking parameters, the BTC light client's
// headers, providers of the BSN and their delegations (following every page) — to fill in what events do not
// carry and to check the indexed state against the chain. A disagreement is logged and counted; the chain's
// value wins for fields events never set, the event history wins for when things happened.

import type { CosmWasmClient } from "@cosmjs/cosmwasm";
import { FinalityContractQueryClient } from "../../../contracts/finality/client.ts";
import type { Dialect } from "../../../contracts/finality/messages.ts";
import type { BabylonBlockReader } from "../../chains/babylon/block-reader.ts";
import { parseHeaderTimestamp } from "../../chains/babylon/btclightclient.ts";
import type { BabylonQueryClient } from "../../chains/babylon/query-client.ts";
import { mapWithConcurrency } from "../../chains/concurrency.ts";
import { bytesToHex } from "../../core/crypto/bytes.ts";
import type { Logger } from "../../log.ts";
import { addAllowlisted } from "../../store/allowlist.ts";
import { reopenVerdicts } from "../../store/blocks.ts";
import { btcHashesAt, btcTip, replaceBtcHeadersFrom } from "../../store/btc-headers.ts";
import {
  latestStakingParams,
  readContractSettings,
  recordStakingParams,
  upsertContractConfig,
} from "../../store/contract.ts";
import {
  type DelegationUpsert,
  delegationStakes,
  recordActiveBefore,
  recordDelegationChanges,
  upsertDelegations,
} from "../../store/delegations.ts";
import {
  type ProviderUpsert,
  providerStatuses,
  recordJailedAtStart,
  upsertProviders,
} from "../../store/providers.ts";
import { readCursor, readStates, writeState } from "../../store/state.ts";
import type { Store } from "../../store/store.ts";
import type { DelegationChangeRecord } from "../babylon/records.ts";
import type { StepResult } from "../runtime/loop.ts";
import { type DelegationState, delegationStates } from "./delegation-states.ts";

export interface ReconcilerOptions {
  store: Store;
  /** Babylon's queries (btcstaking, light client, parameters). */
  babylon: BabylonQueryClient;
  cosmwasm: () => Promise<CosmWasmClient>;
  /** The node's JSON-RPC, for the latest block's height and time (the BTC loop asks on every new block). */
  reader: BabylonBlockReader;
  contractAddress: string;
  dialect: Dialect;
  /** The Babylon stage's first height: the staking history starts from the state in force there. */
  babylonStartHeight: bigint;
  log: Logger;
  onDisagreement?: (what: string) => void;
  /**
   * Reads a provider's delegations after the first pass (the gadget's runs in the fetch worker, off the thread
   * that serves the API and evaluates blocks); in this thread when omitted. The first pass always reads here:
   * it gates evaluation and runs beside the backfill, whose ranges keep the fetch worker busy while this
   * thread mostly waits on database writes (measured: reading it in the worker made a full-size backfill
   * 1.3 s slower).
   */
  delegationStates?: (fpBtcPk: string, quorum: number) => Promise<DelegationState[]>;
}

export class Reconciler {
  private passes = 0;

  constructor(private readonly o: ReconcilerOptions) {}

  /**
   * BTC headers follow Babylon's light client (`followBtcHeaders`, often: the engine's evaluation waits for
   * them); the contract config, staking parameters, providers and delegations are read by `reconcile` (seldom,
   * and it takes seconds at 10,000 delegations). The gadget runs them as loops of their own, so that a long
   * reconciliation never holds the headers back. `step` is one pass of both.
   */
  async step(): Promise<StepResult> {
    const headers = await this.followBtcHeaders();
    const state = await this.reconcile();
    return headers === "progress" || state === "progress" ? "progress" : "idle";
  }

  /** Reads the BTC headers Babylon's light client added, and records up to when they are known. */
  async followBtcHeaders(): Promise<StepResult> {
    const { babylon } = this.o;
    // Babylon's time is read before the headers: what is written as synced must not run ahead of them.
    const headTime = await this.babylonTime();
    const headers = await this.syncBtcHeaders(babylon);
    await writeState(this.o.store.db, { btc_synced_time: headTime });
    return headers > 0 ? "progress" : "idle";
  }

  /** Reads the contract, the staking parameters, the providers and their delegations, and records changes. */
  async reconcile(): Promise<StepResult> {
    const { babylon } = this.o;
    // The contract and the parameters are independent reads (and writes to their own tables): side by side,
    // a pass costs one round of RPC latency for them instead of two.
    const [, paramsChanged] = await Promise.all([this.syncContract(), this.syncParams(babylon)]);
    let stakingChanged = paramsChanged;
    const bsnId = await this.bsnId();
    if (bsnId !== undefined) {
      await this.recordBaseline(babylon, bsnId);
      stakingChanged = (await this.syncProviders(babylon, bsnId)) || stakingChanged;
    }
    await writeState(this.o.store.db, { staking_params_synced: 1 });
    this.passes++;
    if (stakingChanged) await this.stakingChanged();
    return stakingChanged ? "progress" : "idle";
  }

  private async babylonTime(): Promise<number> {
    return (await this.o.reader.latest()).time.getTime();
  }

  /** Every verdict not yet final is evaluated again, from the next generation of staking inputs. */
  async stakingChanged(): Promise<void> {
    await this.o.store.commit(async (c) => {
      await reopenVerdicts(c.tx);
      c.changed("staking");
    });
  }

  /**
   * Records, once, the statuses in force at the first indexed Babylon height S that no indexed event tells:
   * which providers were jailed, which delegations were active and which had unbonded early (Babylon's state
   * after block S − 1), and the allow-list (the contract's at-height query for S). Everything later comes from
   * events, so no verdict depends on "current" state. (A database whose baseline predates the record of
   * active delegations gets that part alone.)
   */
  private async recordBaseline(babylon: BabylonQueryClient, bsnId: string): Promise<void> {
    const { store, contractAddress, dialect } = this.o;
    const recorded = await readStates(store.db, ["staking_baseline_height", "staking_baseline_active"]);
    if (recorded.has("staking_baseline_active")) return;
    const statusesRecorded = recorded.has("staking_baseline_height");
    const start = this.o.babylonStartHeight;
    const before = start - 1n;
    // Height 0 is genesis: nothing is jailed, staked, unbonded or allow-listed before the first block.
    const then = before >= 1n ? babylon.atHeight(Number(before)) : undefined;
    const providers = then ? await then.allFinalityProviders(bsnId) : [];
    const jailed = providers.filter((fp) => fp.jailed).map((fp) => bytesToHex(fp.btcPk).toLowerCase());
    const dels = then ? await delegationsBefore(then, before, providers) : { active: [], unbonded: [] };
    const allowed =
      dialect === "rollup-bsn" && before >= 1n && !statusesRecorded
        ? (
            await new FinalityContractQueryClient(
              await this.o.cosmwasm(),
              contractAddress,
              "rollup-bsn",
            ).allowedFinalityProvidersAtHeight(start)
          ).map((k) => k.toLowerCase())
        : [];
    await store.commit(async (c) => {
      if (!statusesRecorded) {
        await recordJailedAtStart(c.tx, before, jailed);
        await addAllowlisted(c.tx, allowed, 0n);
        await recordDelegationChanges(c.tx, dels.unbonded);
      }
      await recordActiveBefore(c.tx, dels.active);
      await writeState(c.tx, { staking_baseline_height: before, staking_baseline_active: before });
      if (jailed.length + allowed.length + dels.unbonded.length + dels.active.length > 0) {
        await reopenVerdicts(c.tx);
        c.changed("staking");
      }
    });
  }

  private async bsnId(): Promise<string | undefined> {
    return (await readContractSettings(this.o.store.db))?.bsnId;
  }

  async syncContract(): Promise<void> {
    const { store, contractAddress, dialect } = this.o;
    const client = new FinalityContractQueryClient(await this.o.cosmwasm(), contractAddress, dialect);
    const babylonHeight = await this.o.reader.latestHeight();
    if (dialect === "rollup-bsn") {
      const c = await (client as FinalityContractQueryClient<"rollup-bsn">).config();
      await upsertContractConfig(store.db, {
        contractAddress,
        dialect,
        bsnId: c.bsn_id,
        minPubRand: BigInt(c.min_pub_rand),
        activationHeight: BigInt(c.bsn_activation_height),
        interval: BigInt(c.finality_signature_interval),
        maxMsgsPerInterval: BigInt(c.rate_limiting.max_msgs_per_interval),
        rateLimitingInterval: BigInt(c.rate_limiting.block_interval),
        babylonHeight,
      });
      // The allow-list comes from its events and the baseline (recordBaseline), never from the current list.
    } else {
      const c = await (client as unknown as FinalityContractQueryClient<"op-finality-gadget">).config();
      // The older dialect has only a consumer id: every other setting is the rollup-bsn default.
      await upsertContractConfig(store.db, {
        contractAddress,
        dialect,
        bsnId: c.consumer_id,
        minPubRand: 1n,
        activationHeight: 0n,
        interval: 1n,
        maxMsgsPerInterval: null,
        rateLimitingInterval: null,
        babylonHeight,
      });
    }
  }

  /** Records k, w and the covenant quorum when they differ from the last recorded values. */
  private async syncParams(babylon: BabylonQueryClient): Promise<boolean> {
    const [staking, checkpoint] = await Promise.all([
      babylon.btcstakingParams(),
      babylon.btccheckpointParams(),
    ]);
    const quorum = Number(staking.covenantQuorum);
    const k = Number(checkpoint.btcConfirmationDepth);
    const w = Number(checkpoint.checkpointFinalizationTimeout);
    const prev = await latestStakingParams(this.o.store.db);
    if (
      prev &&
      prev.covenantQuorum === quorum &&
      prev.confirmationDepth === k &&
      prev.finalizationTimeout === w
    )
      return false;
    await recordStakingParams(this.o.store.db, await this.o.reader.latestHeight(), {
      covenantQuorum: quorum,
      confirmationDepth: k,
      finalizationTimeout: w,
    });
    return true;
  }

  /** Brings btc_header up to the light client's main chain; replaces a suffix after a BTC reorg. */
  async syncBtcHeaders(babylon: BabylonQueryClient): Promise<number> {
    const { store } = this.o;
    const tip = await babylon.btcTip();
    const storedTip = await btcTip(store.db);
    if (storedTip && storedTip.height === tip.height && storedTip.hash === tip.hashHex) return 0;

    // Walk down from the tip until a header we already hold (same height and hash), collecting the new ones.
    // Pages start small and grow: live, a step finds one new header, and a page of a thousand (the node
    // encoding them, this thread decoding them and looking up as many stored hashes) took it hundreds of ms.
    const fresh: { height: number; hash: string; prevHash: string; timestamp: number }[] = [];
    let key: Uint8Array | undefined;
    let joined = false;
    let limit = storedTip ? Math.min(1000, Math.max(0, tip.height - storedTip.height) + 8) : 1000;
    for (let page = 0; page < 10_000 && !joined; page++, limit = Math.min(1000, limit * 4)) {
      const res = await babylon.btcMainChain({ key, limit });
      if (res.headers.length === 0) break;
      const heights = res.headers.map((h) => h.height);
      const knownHash = await btcHashesAt(store.db, heights);
      for (const h of res.headers) {
        if (knownHash.get(h.height) === h.hashHex) {
          joined = true;
          break;
        }
        const header = h.headerHex;
        fresh.push({
          height: h.height,
          hash: h.hashHex,
          prevHash: prevHashOf(header),
          timestamp: parseHeaderTimestamp(header),
        });
      }
      const next = res.pagination?.nextKey;
      if (!next || next.length === 0) break;
      key = next;
    }
    if (fresh.length === 0) return 0;
    fresh.reverse();
    const lowest = fresh[0]!.height;
    const reorg = storedTip !== undefined && lowest <= storedTip.height;
    // A reorg replaces headers verdicts were computed from: it commits as a change of BTC inputs, with the
    // verdicts not yet final reopened.
    await store.commit(async (c) => {
      await replaceBtcHeadersFrom(c.tx, fresh);
      await writeState(c.tx, { btc_tip_height: tip.height });
      if (reorg) {
        await reopenVerdicts(c.tx);
        c.changed("btc");
      }
    });
    if (reorg) this.o.log.warn({ from: lowest }, "BTC light client reorganised; headers replaced");
    return fresh.length;
  }

  /** Providers of the BSN and every delegation to them, upserted from Babylon's state. */
  private async syncProviders(babylon: BabylonQueryClient, bsnId: string): Promise<boolean> {
    const { store } = this.o;
    const babylonHeight = await this.o.reader.latestHeight();
    const [providers, params] = await Promise.all([
      babylon.allFinalityProviders(bsnId),
      babylon.btcstakingParams(),
    ]);
    const quorum = Number(params.covenantQuorum);
    let changed = false;
    const indexed = new Map((await providerStatuses(store.db)).map((r) => [r.btcPk, r]));
    const rows: ProviderUpsert[] = [];
    for (const fp of providers) {
      const pk = bytesToHex(fp.btcPk).toLowerCase();
      const mine = indexed.get(pk);
      const slashedBabylon = fp.slashedBabylonHeight > 0n ? fp.slashedBabylonHeight : null;
      const slashedBtc = fp.slashedBtcHeight > 0 ? fp.slashedBtcHeight : null;
      if (
        !mine ||
        mine.slashedBabylonHeight !== slashedBabylon ||
        mine.slashedBtcHeight !== slashedBtc ||
        mine.jailed !== fp.jailed
      ) {
        if (mine) this.disagree(`provider ${pk} state (slashed/jailed) differs from Babylon`);
        changed = true;
      }
      const d = fp.description;
      rows.push({
        from: "state",
        btcPk: pk,
        bsnId: fp.bsnId || bsnId,
        addr: fp.addr,
        moniker: d?.moniker ?? "",
        identity: d?.identity ?? "",
        website: d?.website ?? "",
        securityContact: d?.securityContact ?? "",
        details: d?.details ?? "",
        commission: fp.commission,
        jailed: fp.jailed,
        slashedBabylonHeight: slashedBabylon,
        slashedBtcHeight: slashedBtc,
        babylonHeight,
      });
    }
    await upsertProviders(store.db, rows);
    // The first pass gates evaluation: its providers' delegations are read four at a time. Later passes
    // check a live service and read one provider at a time, so that the node's replies and the comparisons
    // come in a trickle beside the blocks being finalized instead of a burst (at 10,000 delegations, four at
    // a time stalled the BTC loop for up to a second on the bench devnet).
    const results = await mapWithConcurrency(rows, this.passes === 0 ? 4 : 1, (p) =>
      this.syncDelegations(babylon, p.btcPk, quorum, babylonHeight),
    );
    return changed || results.some(Boolean);
  }

  private async syncDelegations(
    babylon: BabylonQueryClient,
    fpPk: string,
    quorum: number,
    babylonHeight: bigint,
  ): Promise<boolean> {
    const { store } = this.o;
    const dels =
      this.passes > 0 && this.o.delegationStates
        ? await this.o.delegationStates(fpPk, quorum)
        : await delegationStates(babylon, fpPk, quorum);
    if (dels.length === 0) return false;
    const hashes = dels.map((d) => d.stakingTxHash);
    const indexed = new Map((await delegationStakes(store.db, hashes)).map((r) => [r.stakingTxHash, r]));
    // Babylon's state says that a delegation unbonded early, not at which BTC height: that comes from the
    // event alone (recorded by the Babylon stage, or by the baseline for what happened before it), never from
    // the BTC tip at the time of reading, which a backfill would place at the end of the history.
    const eventsRead = (await readCursor(store.db, "babylon"))?.height ?? 0n;
    const rows: DelegationUpsert[] = [];
    let changed = false;
    for (const d of dels) {
      const hash = d.stakingTxHash;
      const quorumReached = d.covenantQuorumReached;
      const mine = indexed.get(hash);
      if (d.unbondedEarly && mine && mine.unbondedAtBtcHeight === null && eventsRead >= babylonHeight) {
        this.disagree(`delegation ${hash} unbonded early without an indexed event`);
      }
      if (
        !mine ||
        mine.totalSat !== d.totalSat ||
        mine.startHeight !== d.startHeight ||
        mine.endHeight !== d.endHeight ||
        mine.covenantQuorumReached !== quorumReached
      ) {
        if (mine) this.disagree(`delegation ${hash} differs from Babylon`);
        changed = true;
      } else continue;
      rows.push({
        from: "state",
        stakingTxHash: hash,
        stakerAddr: d.stakerAddr,
        stakerBtcPk: d.stakerBtcPk,
        fpBtcPks: d.fpBtcPks,
        totalSat: d.totalSat,
        stakingTime: d.stakingTime,
        startHeight: d.startHeight,
        endHeight: d.endHeight,
        covenantQuorumReached: quorumReached,
        unbondedAtBtcHeight: mine?.unbondedAtBtcHeight ?? null,
        status: d.status,
        paramsVersion: d.paramsVersion,
        babylonHeight,
      });
    }
    if (rows.length > 0) await store.prisma.$transaction((tx) => upsertDelegations(tx, rows));
    return changed;
  }

  private disagree(what: string): void {
    this.o.log.warn({ what }, "indexed state disagrees with Babylon");
    this.o.onDisagreement?.(what);
  }
}

/**
 * The delegations Babylon's state after block `before` shows active (covenant quorum and inclusion proof: they
 * count from the start, as far as Babylon knew), and those it shows unbonded early. The latter's events precede
 * the first indexed height, so the spend's BTC height is not known: Babylon's BTC tip after that block bounds
 * it (a spend is reported once its block is in the light client), and from there on the delegation surely no
 * longer counts. An indexed unbonding event of the same delegation, with the spend's own height, lowers it.
 */
async function delegationsBefore(
  then: BabylonQueryClient,
  before: bigint,
  providers: readonly { btcPk: Uint8Array }[],
): Promise<{ active: string[]; unbonded: DelegationChangeRecord[] }> {
  const quorum = Number((await then.btcstakingParams()).covenantQuorum);
  const perProvider = await Promise.all(
    providers.map((fp) => delegationStates(then, bytesToHex(fp.btcPk).toLowerCase(), quorum)),
  );
  const active = new Set<string>();
  const unbonded = new Set<string>();
  for (const d of perProvider.flat()) {
    if (d.covenantQuorumReached && d.startHeight > 0) active.add(d.stakingTxHash);
    if (d.unbondedEarly) unbonded.add(d.stakingTxHash);
  }
  if (unbonded.size === 0) return { active: [...active].sort(), unbonded: [] };
  const tip = (await then.btcTip()).height;
  return {
    active: [...active].sort(),
    // Negative event indices: before every event of block `before`, apart from them.
    unbonded: [...unbonded].sort().map((stakingTxHash, i) => ({
      babylonHeight: before,
      eventIndex: -(i + 1),
      stakingTxHash,
      status: "UNBONDED",
      unbondedAtBtcHeight: tip,
    })),
  };
}

function prevHashOf(headerHex: string): string {
  // Bytes 4..36 of the header, little-endian: display order is reversed.
  const bytes = Buffer.from(headerHex.slice(8, 72), "hex");
  return Buffer.from(bytes).reverse().toString("hex");
}
