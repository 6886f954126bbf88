// The BTC transactions of the devnet's delegations. There are no real staking scripts on the devnet; what
// matters is that every tx is well formed (non-segwit, one input, one P2TR output) and that hash and hex agree.
import { sha256 } from "../../core/crypto/sha256.ts";

export function utf8(text: string): Uint8Array {
  return new TextEncoder().encode(text);
}

export function hexOf(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString("hex");
}

function le(value: bigint, bytes: number): string {
  let out = "";
  let v = value;
  for (let i = 0; i < bytes; i++) {
    out += Number(v & 0xffn)
      .toString(16)
      .padStart(2, "0");
    v >>= 8n;
  }
  return out;
}

/** A tx spending outpoint (`prevout`, 0), txid in wire order, to one P2TR output of `value` keyed by `tag`. */
function oneOutputTx(prevout: string, value: bigint, tag: string): string {
  const outputKey = hexOf(sha256(utf8(tag)));
  return [
    "02000000",
    "01",
    prevout,
    "00000000",
    "00",
    "ffffffff",
    "01",
    le(value, 8),
    "22",
    "5120",
    outputKey,
    "00000000",
  ].join("");
}

/** The staking tx of the `n`-th devnet delegation, spending a made-up funding outpoint. */
export function syntheticStakingTx(n: number, totalSat: bigint, stakerPkHex: string): string {
  return oneOutputTx(
    hexOf(sha256(utf8(`devnet funding ${n}`))),
    totalSat,
    `devnet staking output ${n} ${stakerPkHex}`,
  );
}

/** A tx spending the staking output (output 0): the txid goes on the wire byte-reversed. */
function spendOfStake(stakingTxHashHex: string, value: bigint, tag: string): string {
  return oneOutputTx(Buffer.from(stakingTxHashHex, "hex").reverse().toString("hex"), value, tag);
}

/** The registered unbonding tx: the stake back to the staker behind the unbonding timelock. */
export function unbondingTxHex(stakingTxHashHex: string, totalSat: bigint): string {
  return spendOfStake(stakingTxHashHex, totalSat, `devnet unbonding ${stakingTxHashHex}`);
}

/** Some other spend of the staking output (not the registered unbonding tx): an unexpected unbonding. */
export function otherSpendTxHex(stakingTxHashHex: string, totalSat: bigint, tag: string): string {
  return spendOfStake(stakingTxHashHex, totalSat, `devnet ${tag} ${stakingTxHashHex}`);
}

/** Bitcoin txid: double-SHA256 of the serialisation, shown byte-reversed. */
export function txHash(txHex: string): string {
  return Buffer.from(sha256(sha256(Buffer.from(txHex, "hex"))))
    .reverse()
    .toString("hex");
}
