// The finality contract's configuration and Babylon's staking parameters, as the reconciler last read them.
import type { Dialect } from "../../contracts/finality/messages.ts";
import { type FinalityGrid, finalityGrid } from "../core/finality/index.ts";
import { dec, type Tx } from "./tx.ts";

export interface ContractSettings {
  contractAddress: string;
  bsnId: string;
  grid: FinalityGrid;
}

export async function readContractSettings(db: Tx): Promise<ContractSettings | undefined> {
  const rows = await db.$queryRawUnsafe<
    {
      contract_address: string;
      bsn_id: string;
      bsn_activation_height: bigint;
      finality_signature_interval: bigint;
    }[]
  >(
    `SELECT contract_address, bsn_id, bsn_activation_height, finality_signature_interval FROM contract_config LIMIT 1`,
  );
  const row = rows[0];
  if (!row) return undefined;
  return {
    contractAddress: row.contract_address,
    bsnId: row.bsn_id,
    grid: finalityGrid(BigInt(row.bsn_activation_height), BigInt(row.finality_signature_interval)),
  };
}

/** The contract's config; the older op-finality-gadget dialect has only a consumer id (the rest defaults). */
export interface ContractConfigRow {
  contractAddress: string;
  dialect: Dialect;
  bsnId: string;
  minPubRand: bigint;
  activationHeight: bigint;
  interval: bigint;
  maxMsgsPerInterval: bigint | null;
  rateLimitingInterval: bigint | null;
  babylonHeight: bigint;
}

export async function upsertContractConfig(db: Tx, c: ContractConfigRow): Promise<void> {
  await db.$executeRawUnsafe(
    `INSERT INTO contract_config (contract_address, dialect, bsn_id, min_pub_rand, bsn_activation_height, finality_signature_interval,
                                  max_msgs_per_interval, rate_limiting_interval, updated_babylon_height)
     VALUES ($1, $2, $3, $4::bigint, $5::bigint, $6::bigint, $7::bigint, $8::bigint, $9::bigint)
     ON CONFLICT (contract_address) DO UPDATE SET bsn_id = EXCLUDED.bsn_id, min_pub_rand = EXCLUDED.min_pub_rand,
       bsn_activation_height = EXCLUDED.bsn_activation_height, finality_signature_interval = EXCLUDED.finality_signature_interval,
       max_msgs_per_interval = EXCLUDED.max_msgs_per_interval, rate_limiting_interval = EXCLUDED.rate_limiting_interval,
       updated_babylon_height = EXCLUDED.updated_babylon_height`,
    c.contractAddress,
    c.dialect,
    c.bsnId,
    dec(c.minPubRand),
    dec(c.activationHeight),
    dec(c.interval),
    c.maxMsgsPerInterval === null ? null : dec(c.maxMsgsPerInterval),
    c.rateLimitingInterval === null ? null : dec(c.rateLimitingInterval),
    dec(c.babylonHeight),
  );
}

export interface StakingParams {
  covenantQuorum: number;
  /** k: BTC confirmation depth. */
  confirmationDepth: number;
  /** w: checkpoint finalization timeout. */
  finalizationTimeout: number;
}

export async function latestStakingParams(db: Tx): Promise<StakingParams | undefined> {
  const rows = await db.$queryRawUnsafe<
    { covenant_quorum: number; confirmation_depth: number; finalization_timeout: number }[]
  >(
    `SELECT covenant_quorum, confirmation_depth, finalization_timeout FROM staking_params ORDER BY babylon_height DESC LIMIT 1`,
  );
  const p = rows[0];
  return p
    ? {
        covenantQuorum: Number(p.covenant_quorum),
        confirmationDepth: Number(p.confirmation_depth),
        finalizationTimeout: Number(p.finalization_timeout),
      }
    : undefined;
}

export async function recordStakingParams(db: Tx, babylonHeight: bigint, p: StakingParams): Promise<void> {
  await db.$executeRawUnsafe(
    `INSERT INTO staking_params (babylon_height, covenant_quorum, confirmation_depth, finalization_timeout) VALUES ($1::bigint, $2, $3, $4)
     ON CONFLICT (babylon_height) DO UPDATE SET covenant_quorum = EXCLUDED.covenant_quorum,
       confirmation_depth = EXCLUDED.confirmation_depth, finalization_timeout = EXCLUDED.finalization_timeout`,
    dec(babylonHeight),
    p.covenantQuorum,
    p.confirmationDepth,
    p.finalizationTimeout,
  );
}
