// Just enough Bitcoin transaction parsing to turn EventBTCDelegationCreated's staking_tx_hex into the
// staking tx hash and staked amount, which Babylon's event does not carry.

import { sha256d } from "./btclightclient.ts";
import { bytesToHex, hexToBytes } from "./proto.ts";

export interface BtcTxInput {
  /** Display order. */
  prevTxid: string;
  vout: number;
  sequence: number;
}

export interface BtcTxOutput {
  valueSat: bigint;
  scriptPubKey: Uint8Array;
}

export interface BtcTx {
  /** Display order; hash of the serialization without witnesses (what Babylon calls staking_tx_hash). */
  txid: string;
  version: number;
  inputs: BtcTxInput[];
  outputs: BtcTxOutput[];
  lockTime: number;
  hasWitness: boolean;
}

class TxCursor {
  pos = 0;
  constructor(private readonly buf: Uint8Array) {}

  take(n: number): Uint8Array {
    if (this.pos + n > this.buf.length)
      throw new RangeError(`BTC tx truncated: needed ${n} bytes at offset ${this.pos}`);
    const out = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }

  u32(): number {
    const b = this.take(4);
    return new DataView(b.buffer, b.byteOffset, 4).getUint32(0, true);
  }

  u64(): bigint {
    const b = this.take(8);
    return new DataView(b.buffer, b.byteOffset, 8).getBigUint64(0, true);
  }

  /** Bitcoin's CompactSize. */
  size(): number {
    const first = this.take(1)[0]!;
    if (first < 0xfd) return first;
    const b = this.take(first === 0xfd ? 2 : first === 0xfe ? 4 : 8);
    const view = new DataView(b.buffer, b.byteOffset, b.length);
    const n =
      first === 0xfd
        ? view.getUint16(0, true)
        : first === 0xfe
          ? view.getUint32(0, true)
          : Number(view.getBigUint64(0, true));
    if (n > this.buf.length)
      throw new RangeError(`BTC tx count ${n} at offset ${this.pos} exceeds the tx size`);
    return n;
  }

  get done(): boolean {
    return this.pos === this.buf.length;
  }
}

export function parseBtcTx(tx: string | Uint8Array): BtcTx {
  const raw = typeof tx === "string" ? hexToBytes(tx, "BTC tx hex") : tx;
  const c = new TxCursor(raw);
  const version = c.u32() | 0;
  // BIP-144: a zero input count followed by flag 0x01 marks the witness serialization.
  const hasWitness = raw[c.pos] === 0x00 && raw[c.pos + 1] === 0x01;
  if (hasWitness) c.take(2);
  const bodyStart = c.pos;

  const inputs: BtcTxInput[] = [];
  const nIn = c.size();
  for (let i = 0; i < nIn; i++) {
    const prev = c.take(32);
    const vout = c.u32();
    c.take(c.size());
    inputs.push({ prevTxid: bytesToHex(Uint8Array.from(prev).reverse()), vout, sequence: c.u32() });
  }
  const outputs: BtcTxOutput[] = [];
  const nOut = c.size();
  for (let i = 0; i < nOut; i++) {
    const valueSat = c.u64();
    outputs.push({ valueSat, scriptPubKey: Uint8Array.from(c.take(c.size())) });
  }
  const bodyEnd = c.pos;
  if (hasWitness) {
    for (let i = 0; i < nIn; i++) {
      const items = c.size();
      for (let j = 0; j < items; j++) c.take(c.size());
    }
  }
  const lockTimeBytes = c.take(4);
  const lockTime = new DataView(lockTimeBytes.buffer, lockTimeBytes.byteOffset, 4).getUint32(0, true);
  if (!c.done) throw new RangeError(`BTC tx has ${raw.length - c.pos} trailing bytes`);

  const stripped = new Uint8Array(4 + (bodyEnd - bodyStart) + 4);
  stripped.set(raw.subarray(0, 4), 0);
  stripped.set(raw.subarray(bodyStart, bodyEnd), 4);
  stripped.set(lockTimeBytes, 4 + (bodyEnd - bodyStart));
  const txid = bytesToHex(sha256d(stripped).reverse());
  return { txid, version, inputs, outputs, lockTime, hasWitness };
}

/**
 * The staking tx hash and staked amount of a delegation, from EventBTCDelegationCreated's
 * staking_tx_hex and staking_output_index (the index arrives as a decimal string in the event).
 */
export function stakingOutput(
  stakingTxHex: string,
  stakingOutputIndex: number | string,
): { stakingTxHash: string; totalSat: bigint } {
  const index = typeof stakingOutputIndex === "string" ? Number(stakingOutputIndex) : stakingOutputIndex;
  const tx = parseBtcTx(stakingTxHex);
  const out = Number.isInteger(index) && index >= 0 ? tx.outputs[index] : undefined;
  if (out === undefined) {
    throw new RangeError(
      `staking output index ${stakingOutputIndex} is not an output of tx ${tx.txid} (${tx.outputs.length} outputs)`,
    );
  }
  return { stakingTxHash: tx.txid, totalSat: out.valueSat };
}
