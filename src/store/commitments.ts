// Public-randomness commitments the contract accepted.
import type { CommitRecord } from "../indexer/babylon/records.ts";
import { dec, type Tx } from "./tx.ts";

/** A commitment's interval is the contract's finality-signature interval when it was indexed. */
export async function insertCommitments(db: Tx, commits: CommitRecord[]): Promise<void> {
  if (commits.length === 0) return;
  await db.$executeRawUnsafe(
    `INSERT INTO pub_rand_commit (fp_btc_pk, start_height, num_pub_rand, interval, commitment, babylon_height, tx_hash, msg_index)
     SELECT c.fp, c.st, c.n, coalesce((SELECT finality_signature_interval FROM contract_config LIMIT 1), 1), c.cm, c.bh, c.tx, c.mi
     FROM unnest($1::text[], $2::bigint[], $3::bigint[], $4::text[], $5::bigint[], $6::text[], $7::int[]) AS c(fp, st, n, cm, bh, tx, mi)
     ON CONFLICT DO NOTHING`,
    commits.map((x) => x.fpBtcPk),
    commits.map((x) => dec(x.startHeight)),
    commits.map((x) => dec(x.numPubRand)),
    commits.map((x) => x.commitment),
    commits.map((x) => dec(x.babylonHeight)),
    commits.map((x) => x.txHash),
    commits.map((x) => x.msgIndex),
  );
}
