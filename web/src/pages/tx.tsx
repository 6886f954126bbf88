// A transaction's finality, with the statuses of GET /v1/transaction (FINALIZED > BTC_FINALIZED > SAFE > PENDING).
import { Badge, Field, Show, useQuery } from "../components.tsx";
import { num } from "../format.ts";
import { pathname } from "../router.ts";

interface Tx {
  txHash: string;
  blockHash: string;
  blockHeight: string;
  blockTimestamp: string;
  status: string;
  babylonFinalized: boolean;
}

const TX = `query Tx($hash: String!) {
  transaction(hash: $hash) { txHash blockHash blockHeight blockTimestamp status babylonFinalized }
}`;

const MEANING: Record<string, string> = {
  FINALIZED: "the L2 itself reports the block finalized",
  BTC_FINALIZED: "BTC-finalized by this gadget",
  SAFE: "derived from L1, not finalized yet",
  PENDING: "none of the above yet",
};

export function TxView() {
  const hash = decodeURIComponent(pathname().slice("/tx/".length));
  const valid = /^(0x)?[0-9a-fA-F]{64}$/.test(hash);
  const loaded = useQuery<{ transaction: Tx | null }>(TX, { hash }, !valid);
  if (!valid) return <p class="notice error">“{hash}” is not a 32-byte transaction hash.</p>;
  return (
    <Show loaded={loaded} what="the transaction">
      {({ transaction: t }) =>
        t ? (
          <>
            <h1>
              Transaction <Badge status={t.status} />
            </h1>
            <p>The transaction is {MEANING[t.status] ?? t.status}.</p>
            <dl class="details">
              <Field label="Hash">
                <span class="mono">{t.txHash}</span>
              </Field>
              <Field label="Block">
                <a href={`/blocks/${t.blockHeight}`}>{num(t.blockHeight)}</a>{" "}
                <a class="mono" href={`/blocks/${t.blockHash}`}>
                  {t.blockHash}
                </a>
              </Field>
              <Field label="Block time">{new Date(Number(t.blockTimestamp) * 1000).toISOString()}</Field>
              <Field label="BTC-finalized">{t.babylonFinalized ? "yes" : "not yet"}</Field>
            </dl>
          </>
        ) : (
          <p class="notice">The L2 does not know a transaction with hash {hash}.</p>
        )
      }
    </Show>
  );
}
