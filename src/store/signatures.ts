// Finality signatures the contract accepted, and equivocations it reported.

import type { EquivocationRecord, SignatureRecord } from "../indexer/babylon/records.ts";
import type { FinalitySignatureEvent } from "../indexer/runtime/events.ts";
import { dec, type Tx } from "./tx.ts";

// A statement's JSON parameter is copied several times on its way to Postgres (the string, Prisma's serialized
// arguments, the wire buffer), all resident until it is sent: a backfill's batch of 20,000 votes made each copy
// 5 MiB and set the gadget's peak memory. At 2,000 rows a copy stays near half a MiB.
const ROWS_PER_STATEMENT = 2_000;

export async function insertSignatures(db: Tx, signatures: SignatureRecord[]): Promise<void> {
  for (let i = 0; i < signatures.length; i += ROWS_PER_STATEMENT)
    await insertSignatureRows(db, signatures.slice(i, i + ROWS_PER_STATEMENT));
}

async function insertSignatureRows(db: Tx, signatures: SignatureRecord[]): Promise<void> {
  // One JSON parameter rather than nine arrays: node-postgres escapes every element of an array parameter
  // in JavaScript, while JSON.stringify is native; a backfill writes 100,000 of these rows. A vote is no
  // longer unvoted (store/participation.ts): its candidate row goes in the same statement.
  await db.$executeRawUnsafe(
    `WITH voted AS (
       INSERT INTO finality_signature (babylon_height, tx_hash, msg_index, fp_btc_pk, height, block_hash, pub_rand, signature, babylon_time)
       SELECT (e->>0)::bigint, e->>1, (e->>2)::int, e->>3, (e->>4)::bigint, e->>5, e->>6, e->>7, (e->>8)::timestamp(3)
       FROM json_array_elements($1::json) AS e
       ON CONFLICT DO NOTHING
       RETURNING fp_btc_pk, height, block_hash)
     DELETE FROM unvoted_block u USING voted v
     WHERE u.fp_btc_pk = v.fp_btc_pk AND u.height = v.height AND u.block_hash = v.block_hash`,
    JSON.stringify(
      signatures.map((x) => [
        dec(x.babylonHeight),
        x.txHash,
        x.msgIndex,
        x.fpBtcPk,
        dec(x.height),
        x.blockHash,
        x.pubRand,
        x.signature,
        x.babylonTime.toISOString(),
      ]),
    ),
  );
}

/** Each provider's votes at the given L2 heights (a provider voting twice the same block counts once). */
export async function votesAt(
  db: Tx,
  heights: bigint[],
): Promise<{ height: bigint; fpBtcPk: string; blockHash: string; babylonHeight: bigint }[]> {
  const rows = await db.$queryRawUnsafe<
    { height: bigint; fp_btc_pk: string; block_hash: string; babylon_height: bigint }[]
  >(
    `SELECT height, fp_btc_pk, block_hash, min(babylon_height) AS babylon_height
     FROM finality_signature WHERE height = ANY($1::bigint[]) GROUP BY height, fp_btc_pk, block_hash`,
    heights.map(dec),
  );
  return rows.map((r) => ({
    height: BigInt(r.height),
    fpBtcPk: r.fp_btc_pk,
    blockHash: r.block_hash,
    babylonHeight: BigInt(r.babylon_height),
  }));
}

/** Which of `heights` got votes in Babylon blocks `after` < h ≤ `upTo`. */
export async function heightsVotedBetween(
  db: Tx,
  heights: bigint[],
  after: bigint,
  upTo: bigint,
): Promise<Set<bigint>> {
  const rows = await db.$queryRawUnsafe<{ height: bigint }[]>(
    `SELECT DISTINCT height FROM finality_signature
     WHERE height = ANY($1::bigint[]) AND babylon_height > $2::bigint AND babylon_height <= $3::bigint`,
    heights.map(dec),
    dec(after),
    dec(upTo),
  );
  return new Set(rows.map((r) => BigInt(r.height)));
}

/** The signatures committed at Babylon heights `from`…`to`, in commit order, as the event bus carries them. */
export async function signaturesCommittedIn(
  db: Tx,
  from: bigint,
  to: bigint,
): Promise<FinalitySignatureEvent[]> {
  const rows = await db.$queryRawUnsafe<
    {
      babylon_height: string;
      tx_hash: string;
      msg_index: number;
      fp_btc_pk: string;
      height: string;
      block_hash: string;
    }[]
  >(
    `SELECT babylon_height::text, tx_hash, msg_index, fp_btc_pk, height::text, block_hash FROM finality_signature
     WHERE babylon_height BETWEEN $1::bigint AND $2::bigint
     ORDER BY finality_signature.babylon_height, tx_hash, msg_index`,
    dec(from),
    dec(to),
  );
  return rows.map((r) => ({
    fpBtcPk: r.fp_btc_pk,
    height: BigInt(r.height),
    blockHash: r.block_hash,
    babylonHeight: BigInt(r.babylon_height),
    txHash: r.tx_hash,
    msgIndex: r.msg_index,
  }));
}

export async function insertEquivocations(db: Tx, e: EquivocationRecord[]): Promise<void> {
  if (e.length === 0) return;
  await db.$executeRawUnsafe(
    `INSERT INTO equivocation (babylon_height, event_index, fp_btc_pk, height, canonical_block_hash, fork_block_hash,
                               canonical_signature, fork_signature, pub_rand, signing_context, tx_hash)
     SELECT * FROM unnest($1::bigint[], $2::int[], $3::text[], $4::bigint[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[], $10::text[], $11::text[])
     ON CONFLICT DO NOTHING`,
    e.map((x) => dec(x.babylonHeight)),
    e.map((x) => x.eventIndex),
    e.map((x) => x.fpBtcPk),
    e.map((x) => dec(x.height)),
    e.map((x) => x.canonicalBlockHash),
    e.map((x) => x.forkBlockHash),
    e.map((x) => x.canonicalSignature),
    e.map((x) => x.forkSignature),
    e.map((x) => x.pubRand),
    e.map((x) => x.signingContext),
    e.map((x) => x.txHash),
  );
}
