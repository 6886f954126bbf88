// Reads Babylon's current state — contract config and allow-list, staking parameters, the BTC light client's
// headers, providers of the BSN and their delegations (following every page) — to fill in what events do not
// carry and to check the indexed state against the chain. A disagreement is logged and counted; the chain's
// value wins for fields events never set, the event history wins for when things happened.
import type { CosmWasmClient } from "@cosmjs/cosmwasm";
import { FinalityContractQueryClient } from "../../contracts/finality/client.ts";
import { parseBtcTx } from "../chains/babylon/btc-tx.ts";
import { parseHeaderTimestamp } from "../chains/babylon/btclightclient.ts";
import type { BabylonQueryClient } from "../chains/babylon/query-client.ts";
import { mapWithConcurrency } from "../chains/concurrency.ts";
import { bytesToHex } from "../core/crypto/bytes.ts";
import type { PrismaClient } from "../db/database.ts";
import type { Logger } from "../log.ts";
import type { StepResult } from "./loop.ts";
import type { Mutex } from "./mutex.ts";
import { type DelegationRow, delegationColumns, reopenVerdicts, writeState } from "./state.ts";

export interface ReconcilerOptions {
  prisma: PrismaClient;
  babylon: () => Promise<BabylonQueryClient>;
  cosmwasm: () => Promise<CosmWasmClient>;
  contractAddress: string;
  dialect: "rollup-bsn" | "op-finality-gadget";
  log: Logger;
  /** The indexer's write lock: invalidations run under it, with the engine's writes (see FinalityEngine). */
  writeLock: Mutex;
  /** Called when indexed staking data changed, so cached power tables are dropped. */
  onStakingChanged?: () => void;
  onBtcReorg?: () => void;
  onDisagreement?: (what: string) => void;
}

export class Reconciler {
  constructor(private readonly o: ReconcilerOptions) {}

  /**
   * BTC headers follow Babylon's light client on every step (the engine's evaluation waits for them); the
   * contract config, staking parameters, providers and delegations are read on `full` steps.
   */
  async step(full: boolean): Promise<StepResult> {
    const babylon = await this.o.babylon();
    const headTime = await this.babylonTime();
    let stakingChanged = false;
    if (full) {
      await this.syncContract();
      stakingChanged = await this.syncParams(babylon);
    }
    const headers = await this.syncBtcHeaders(babylon);
    if (full) {
      const bsnId = await this.bsnId();
      if (bsnId !== undefined) stakingChanged = (await this.syncProviders(babylon, bsnId)) || stakingChanged;
    }
    await writeState(this.o.prisma, {
      btc_synced_time: headTime,
      ...(full ? { staking_params_synced: 1 } : {}),
    });
    if (stakingChanged) await this.stakingChanged();
    return headers > 0 || stakingChanged ? "progress" : "idle";
  }

  private async babylonTime(): Promise<number> {
    const cw = await this.o.cosmwasm();
    const height = await cw.getHeight();
    const block = await cw.getBlock(height);
    return new Date(block.header.time).getTime();
  }

  async stakingChanged(): Promise<void> {
    await this.reevaluate(() => this.o.onStakingChanged?.());
  }

  /** Every verdict not yet final is evaluated again; `notify` tells the engine, before any of its writes. */
  private async reevaluate(notify: () => void): Promise<void> {
    await this.o.writeLock.run(async () => {
      await reopenVerdicts(this.o.prisma);
      notify();
    });
  }

  private async bsnId(): Promise<string | undefined> {
    const rows = await this.o.prisma.$queryRawUnsafe<{ bsn_id: string }[]>(
      `SELECT bsn_id FROM contract_config LIMIT 1`,
    );
    return rows[0]?.bsn_id;
  }

  async syncContract(): Promise<void> {
    const { prisma, contractAddress, dialect } = this.o;
    const client = new FinalityContractQueryClient(await this.o.cosmwasm(), contractAddress, dialect);
    const cw = await this.o.cosmwasm();
    const height = BigInt(await cw.getHeight());
    if (dialect === "rollup-bsn") {
      const c = await (client as FinalityContractQueryClient<"rollup-bsn">).config();
      await prisma.$executeRawUnsafe(
        `INSERT INTO contract_config (contract_address, dialect, bsn_id, min_pub_rand, bsn_activation_height, finality_signature_interval,
                                      max_msgs_per_interval, rate_limiting_interval, updated_babylon_height)
         VALUES ($1, $2, $3, $4::bigint, $5::bigint, $6::bigint, $7::bigint, $8::bigint, $9::bigint)
         ON CONFLICT (contract_address) DO UPDATE SET bsn_id = EXCLUDED.bsn_id, min_pub_rand = EXCLUDED.min_pub_rand,
           bsn_activation_height = EXCLUDED.bsn_activation_height, finality_signature_interval = EXCLUDED.finality_signature_interval,
           max_msgs_per_interval = EXCLUDED.max_msgs_per_interval, rate_limiting_interval = EXCLUDED.rate_limiting_interval,
           updated_babylon_height = EXCLUDED.updated_babylon_height`,
        contractAddress,
        dialect,
        c.bsn_id,
        c.min_pub_rand.toString(),
        c.bsn_activation_height.toString(),
        c.finality_signature_interval.toString(),
        String(c.rate_limiting.max_msgs_per_interval),
        c.rate_limiting.block_interval.toString(),
        height.toString(),
      );
      const allowed = (await client.allowedFinalityProviders()).map((k) => k.toLowerCase());
      const indexed = await prisma.$queryRawUnsafe<{ fp_btc_pk: string }[]>(
        `SELECT fp_btc_pk FROM allowlist_entry WHERE removed_at_babylon IS NULL`,
      );
      const indexedSet = new Set(indexed.map((r) => r.fp_btc_pk));
      const missing = allowed.filter((k) => !indexedSet.has(k));
      if (missing.length > 0) {
        // Added before the indexer's first Babylon height: known only from state.
        await prisma.$executeRawUnsafe(
          `INSERT INTO allowlist_entry (fp_btc_pk, added_at_babylon) SELECT k, 0 FROM unnest($1::text[]) AS k ON CONFLICT DO NOTHING`,
          missing,
        );
        await this.stakingChanged();
      }
    } else {
      const c = await (client as unknown as FinalityContractQueryClient<"op-finality-gadget">).config();
      await prisma.$executeRawUnsafe(
        `INSERT INTO contract_config (contract_address, dialect, bsn_id, min_pub_rand, bsn_activation_height, finality_signature_interval, updated_babylon_height)
         VALUES ($1, $2, $3, 1, 0, 1, $4::bigint) ON CONFLICT (contract_address) DO UPDATE SET bsn_id = EXCLUDED.bsn_id`,
        contractAddress,
        dialect,
        c.consumer_id,
        height.toString(),
      );
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
    const last = await this.o.prisma.$queryRawUnsafe<
      { covenant_quorum: number; confirmation_depth: number; finalization_timeout: number }[]
    >(
      `SELECT covenant_quorum, confirmation_depth, finalization_timeout FROM staking_params ORDER BY babylon_height DESC LIMIT 1`,
    );
    const prev = last[0];
    if (
      prev &&
      prev.covenant_quorum === quorum &&
      prev.confirmation_depth === k &&
      prev.finalization_timeout === w
    )
      return false;
    const cw = await this.o.cosmwasm();
    await this.o.prisma.$executeRawUnsafe(
      `INSERT INTO staking_params (babylon_height, covenant_quorum, confirmation_depth, finalization_timeout) VALUES ($1::bigint, $2, $3, $4)
       ON CONFLICT (babylon_height) DO UPDATE SET covenant_quorum = EXCLUDED.covenant_quorum,
         confirmation_depth = EXCLUDED.confirmation_depth, finalization_timeout = EXCLUDED.finalization_timeout`,
      String(await cw.getHeight()),
      quorum,
      k,
      w,
    );
    return true;
  }

  /** Brings btc_header up to the light client's main chain; replaces a suffix after a BTC reorg. */
  async syncBtcHeaders(babylon: BabylonQueryClient): Promise<number> {
    const { prisma } = this.o;
    const tip = await babylon.btcTip();
    const stored = await prisma.$queryRawUnsafe<{ height: number; hash: string }[]>(
      `SELECT height, hash FROM btc_header ORDER BY height DESC LIMIT 1`,
    );
    const storedTip = stored[0];
    if (storedTip && Number(storedTip.height) === tip.height && storedTip.hash === tip.hashHex) return 0;

    // Walk down from the tip until a header we already hold (same height and hash), collecting the new ones.
    const fresh: { height: number; hash: string; prevHash: string; timestamp: number }[] = [];
    let key: Uint8Array | undefined;
    let joined = false;
    for (let page = 0; page < 10_000 && !joined; page++) {
      const res = await babylon.btcMainChain({ key, limit: 1000 });
      if (res.headers.length === 0) break;
      const heights = res.headers.map((h) => h.height);
      const known = await prisma.$queryRawUnsafe<{ height: number; hash: string }[]>(
        `SELECT height, hash FROM btc_header WHERE height = ANY($1::int[])`,
        heights,
      );
      const knownHash = new Map(known.map((k) => [Number(k.height), k.hash]));
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
    const reorg = storedTip !== undefined && lowest <= Number(storedTip.height);
    await prisma.$transaction(async (tx) => {
      await tx.$executeRawUnsafe(`DELETE FROM btc_header WHERE height >= $1`, lowest);
      await tx.$executeRawUnsafe(
        `INSERT INTO btc_header (height, hash, prev_hash, timestamp) SELECT * FROM unnest($1::int[], $2::text[], $3::text[], $4::int[])`,
        fresh.map((h) => h.height),
        fresh.map((h) => h.hash),
        fresh.map((h) => h.prevHash),
        fresh.map((h) => h.timestamp),
      );
      await writeState(tx, { btc_tip_height: tip.height });
    });
    if (reorg) {
      this.o.log.warn({ from: lowest }, "BTC light client reorganised; headers replaced");
      await this.reevaluate(() => this.o.onBtcReorg?.());
    }
    return fresh.length;
  }

  /** Providers of the BSN and every delegation to them, upserted from Babylon's state. */
  private async syncProviders(babylon: BabylonQueryClient, bsnId: string): Promise<boolean> {
    const { prisma } = this.o;
    const height = String(await (await this.o.cosmwasm()).getHeight());
    const providers = await babylon.allFinalityProviders(bsnId);
    const params = await babylon.btcstakingParams();
    const quorum = Number(params.covenantQuorum);
    let changed = false;
    const indexed = new Map(
      (
        await prisma.$queryRawUnsafe<
          {
            btc_pk: string;
            slashed_babylon_height: bigint | null;
            slashed_btc_height: number | null;
            jailed: boolean;
          }[]
        >(`SELECT btc_pk, slashed_babylon_height, slashed_btc_height, jailed FROM finality_provider`)
      ).map((r) => [r.btc_pk, r]),
    );
    const delegationsOf: string[] = [];
    for (const fp of providers) {
      const pk = bytesToHex(fp.btcPk).toLowerCase();
      const mine = indexed.get(pk);
      const slashedBabylon = fp.slashedBabylonHeight > 0n ? fp.slashedBabylonHeight.toString() : null;
      const slashedBtc = fp.slashedBtcHeight > 0 ? fp.slashedBtcHeight : null;
      if (
        !mine ||
        String(mine.slashed_babylon_height ?? "") !== String(slashedBabylon ?? "") ||
        (mine.slashed_btc_height ?? null) !== slashedBtc ||
        mine.jailed !== fp.jailed
      ) {
        if (mine) this.disagree(`provider ${pk} state (slashed/jailed) differs from Babylon`);
        changed = true;
      }
      const d = fp.description;
      await prisma.$executeRawUnsafe(
        `INSERT INTO finality_provider (btc_pk, bsn_id, addr, moniker, identity, website, security_contact, details, commission, jailed,
                                        slashed_babylon_height, slashed_btc_height, updated_babylon_height)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11::bigint, $12::int, $13::bigint)
         ON CONFLICT (btc_pk) DO UPDATE SET bsn_id = EXCLUDED.bsn_id, addr = EXCLUDED.addr, moniker = EXCLUDED.moniker,
           identity = EXCLUDED.identity, website = EXCLUDED.website, security_contact = EXCLUDED.security_contact,
           details = EXCLUDED.details, commission = EXCLUDED.commission, jailed = EXCLUDED.jailed,
           slashed_babylon_height = coalesce(finality_provider.slashed_babylon_height, EXCLUDED.slashed_babylon_height),
           slashed_btc_height = coalesce(EXCLUDED.slashed_btc_height, finality_provider.slashed_btc_height)`,
        pk,
        fp.bsnId || bsnId,
        fp.addr,
        d?.moniker ?? "",
        d?.identity ?? "",
        d?.website ?? "",
        d?.securityContact ?? "",
        d?.details ?? "",
        fp.commission,
        fp.jailed,
        slashedBabylon,
        slashedBtc,
        height,
      );
      delegationsOf.push(pk);
    }
    // Delegations of several providers are read side by side: the first full pass gates evaluation.
    const results = await mapWithConcurrency(delegationsOf, 4, (pk) =>
      this.syncDelegations(babylon, pk, quorum, height),
    );
    return changed || results.some(Boolean);
  }

  private async syncDelegations(
    babylon: BabylonQueryClient,
    fpPk: string,
    quorum: number,
    babylonHeight: string,
  ): Promise<boolean> {
    const { prisma } = this.o;
    const dels = await babylon.allFinalityProviderDelegations(fpPk);
    if (dels.length === 0) return false;
    const hashes = dels.map((d) => stakingTxHashOf(d.stakingTxHex));
    const indexed = new Map(
      (
        await prisma.$queryRawUnsafe<DelegationRow[]>(
          `SELECT ${delegationColumns} FROM btc_delegation WHERE staking_tx_hash = ANY($1::text[])`,
          hashes,
        )
      ).map((r) => [r.staking_tx_hash, r]),
    );
    const tipRows = await prisma.$queryRawUnsafe<{ height: number }[]>(
      `SELECT max(height) AS height FROM btc_header`,
    );
    const btcTip = tipRows[0]?.height ?? null;
    const rows: {
      hash: string;
      staker: string;
      stakerPk: string;
      sat: string;
      time: number;
      start: number;
      end: number;
      quorum: boolean;
      unbonded: number | null;
      status: string;
      pv: number;
      fps: string[];
    }[] = [];
    let changed = false;
    for (const [i, d] of dels.entries()) {
      const hash = hashes[i]!;
      const u = d.undelegationResponse;
      const quorumReached =
        d.covenantSigs.length >= quorum &&
        (u?.covenantUnbondingSigList.length ?? 0) >= quorum &&
        (u?.covenantSlashingSigs.length ?? 0) >= quorum;
      const unbondedEarly = u?.delegatorUnbondingInfoResponse !== undefined;
      const mine = indexed.get(hash);
      const unbonded =
        mine?.unbonded_at_btc_height ?? (unbondedEarly ? (btcTip === null ? null : Number(btcTip)) : null);
      if (
        !mine ||
        BigInt(mine.total_sat) !== d.totalSat ||
        Number(mine.start_height) !== d.startHeight ||
        Number(mine.end_height) !== d.endHeight ||
        mine.covenant_quorum_reached !== quorumReached ||
        (unbondedEarly && mine.unbonded_at_btc_height === null)
      ) {
        if (mine) this.disagree(`delegation ${hash} differs from Babylon`);
        changed = true;
      } else continue;
      rows.push({
        hash,
        staker: d.stakerAddr,
        stakerPk: bytesToHex(d.btcPk),
        sat: d.totalSat.toString(),
        time: d.stakingTime,
        start: d.startHeight,
        end: d.endHeight,
        quorum: quorumReached,
        unbonded,
        status: d.statusDesc,
        pv: d.paramsVersion,
        fps: d.fpBtcPkList.map((k) => bytesToHex(k).toLowerCase()),
      });
    }
    if (rows.length === 0) return changed;
    await prisma.$transaction(async (tx) => {
      await tx.$executeRawUnsafe(
        `INSERT INTO btc_delegation (staking_tx_hash, staker_addr, staker_btc_pk, total_sat, staking_time, start_height, end_height,
                                     covenant_quorum_reached, unbonded_at_btc_height, status, params_version, updated_babylon_height)
         SELECT *, $12::bigint FROM unnest($1::text[], $2::text[], $3::text[], $4::bigint[], $5::int[], $6::int[], $7::int[], $8::boolean[], $9::int[], $10::text[], $11::int[])
         ON CONFLICT (staking_tx_hash) DO UPDATE SET
           -- Fill what the events have not told yet; never undo what they did, and never move the row's
           -- event height: the result must not depend on whether this pass ran before or after the ingester.
           start_height = CASE WHEN btc_delegation.start_height = 0 THEN EXCLUDED.start_height ELSE btc_delegation.start_height END,
           end_height = CASE WHEN btc_delegation.end_height = 0 THEN EXCLUDED.end_height ELSE btc_delegation.end_height END,
           covenant_quorum_reached = btc_delegation.covenant_quorum_reached OR EXCLUDED.covenant_quorum_reached,
           unbonded_at_btc_height = coalesce(btc_delegation.unbonded_at_btc_height, EXCLUDED.unbonded_at_btc_height),
           status = CASE WHEN btc_delegation.created_babylon_height IS NULL THEN EXCLUDED.status ELSE btc_delegation.status END`,
        rows.map((r) => r.hash),
        rows.map((r) => r.staker),
        rows.map((r) => r.stakerPk),
        rows.map((r) => r.sat),
        rows.map((r) => r.time),
        rows.map((r) => r.start),
        rows.map((r) => r.end),
        rows.map((r) => r.quorum),
        rows.map((r) => r.unbonded),
        rows.map((r) => r.status),
        rows.map((r) => r.pv),
        babylonHeight,
      );
      const pairs = rows.flatMap((r) => r.fps.map((fp) => [r.hash, fp] as const));
      await tx.$executeRawUnsafe(
        `INSERT INTO delegation_provider (staking_tx_hash, fp_btc_pk) SELECT * FROM unnest($1::text[], $2::text[]) ON CONFLICT DO NOTHING`,
        pairs.map((p) => p[0]),
        pairs.map((p) => p[1]),
      );
    });
    return changed;
  }

  private disagree(what: string): void {
    this.o.log.warn({ what }, "indexed state disagrees with Babylon");
    this.o.onDisagreement?.(what);
  }
}

function prevHashOf(headerHex: string): string {
  // Bytes 4..36 of the header, little-endian: display order is reversed.
  const bytes = Buffer.from(headerHex.slice(8, 72), "hex");
  return Buffer.from(bytes).reverse().toString("hex");
}

function stakingTxHashOf(stakingTxHex: string): string {
  return parseBtcTx(stakingTxHex).txid;
}
