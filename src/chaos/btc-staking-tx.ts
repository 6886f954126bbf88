// The checker's own reading of a BTC staking transaction: Babylon's EventBTCDelegationCreated carries the
// raw tx, and the delegation's hash (txid, display order) and amount (the staking output's value) follow
// from it.
import { createHash } from "node:crypto";

export interface StakingTxFacts {
  txid: string;
  outputValues: bigint[];
}

const sha256 = (b: Uint8Array) => createHash("sha256").update(b).digest();

export function readStakingTx(hex: string): StakingTxFacts {
  if (!/^([0-9a-f]{2})+$/i.test(hex)) throw new Error("staking tx: not hex");
  const buf = Buffer.from(hex, "hex");
  let pos = 0;
  const take = (n: number) => {
    if (pos + n > buf.length) throw new Error(`staking tx: truncated at byte ${pos}`);
    const out = buf.subarray(pos, pos + n);
    pos += n;
    return out;
  };
  const compact = (): number => {
    const first = take(1)[0]!;
    if (first < 0xfd) return first;
    if (first === 0xfd) return take(2).readUInt16LE(0);
    if (first === 0xfe) return take(4).readUInt32LE(0);
    return Number(take(8).readBigUInt64LE(0));
  };
  const version = take(4);
  const segwit = buf[pos] === 0 && buf[pos + 1] === 1;
  if (segwit) pos += 2;
  const ioStart = pos;
  const inputs = compact();
  for (let i = 0; i < inputs; i++) {
    take(36);
    take(compact());
    take(4);
  }
  const outputs = compact();
  const outputValues: bigint[] = [];
  for (let i = 0; i < outputs; i++) {
    outputValues.push(take(8).readBigUInt64LE(0));
    take(compact());
  }
  const ioEnd = pos;
  if (segwit) {
    for (let i = 0; i < inputs; i++) {
      const items = compact();
      for (let j = 0; j < items; j++) take(compact());
    }
  }
  const lockTime = take(4);
  // txid: double SHA-256 of the serialization without marker, flag and witnesses, shown reversed.
  const stripped = Buffer.concat([version, buf.subarray(ioStart, ioEnd), lockTime]);
  const txid = Buffer.from(sha256(sha256(stripped)))
    .reverse()
    .toString("hex");
  return { txid, outputValues };
}
