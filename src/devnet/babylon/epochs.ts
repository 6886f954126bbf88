/**
 * x/epoching and x/checkpointing, reduced to what the contract and the provider read: the current epoch
 * and the last finalized one. Epoch e covers Babylon blocks (e−1)·E+1 … e·E (epoch 0 is genesis, and
 * counts as finalized). The devnet does not submit checkpoints to BTC; instead, when epoch e's last block
 * is produced the BTC tip t_e is recorded, and the checkpoint is taken as
 *   SEALED and SUBMITTED at once, CONFIRMED when the tip reaches t_e + k, FINALIZED when it reaches t_e + d,
 * with k = btc_confirmation_depth and d = the finalization depth (default checkpoint_finalization_timeout w).
 */
export const CheckpointStatus = {
  ACCUMULATING: 0,
  SEALED: 1,
  SUBMITTED: 2,
  CONFIRMED: 3,
  FINALIZED: 4,
} as const;

export interface EpochsState {
  height: string;
  ended: [string, number][];
}

export class Epochs {
  private height = 0n;
  /** epoch → BTC tip when its last block was produced. */
  private ended = new Map<bigint, number>();

  constructor(
    readonly interval: bigint,
    readonly confirmationDepth: number,
    readonly finalizationDepth: number,
    private readonly btcTip: () => number,
  ) {
    if (interval < 1n) throw new Error(`epoch interval must be at least 1 block, got ${interval}`);
  }

  /** Babylon's epoch number at a block height. */
  epochOf(height: bigint): bigint {
    return height === 0n ? 0n : (height + this.interval - 1n) / this.interval;
  }

  currentEpoch(): bigint {
    return this.epochOf(this.height);
  }

  /** Last block height of the current epoch. */
  epochBoundary(): bigint {
    return this.currentEpoch() * this.interval;
  }

  /** Called at the start of each Babylon block: txs in block h run in epochOf(h). */
  blockBegan(height: bigint): void {
    this.height = height;
  }

  /** Called at the end of each Babylon block. */
  blockEnded(height: bigint): void {
    this.height = height;
    if (height > 0n && height % this.interval === 0n) this.ended.set(height / this.interval, this.btcTip());
  }

  /** Highest epoch whose checkpoint has reached `status` (0 when none has). */
  lastEpochWithStatus(status: number): bigint {
    if (status <= CheckpointStatus.ACCUMULATING) return this.currentEpoch();
    const tip = this.btcTip();
    const depth =
      status >= CheckpointStatus.FINALIZED
        ? this.finalizationDepth
        : status >= CheckpointStatus.CONFIRMED
          ? this.confirmationDepth
          : 0;
    let best = 0n;
    for (const [epoch, btcAtEnd] of this.ended) if (epoch > best && tip >= btcAtEnd + depth) best = epoch;
    return best;
  }

  lastFinalizedEpoch(): bigint {
    return this.lastEpochWithStatus(CheckpointStatus.FINALIZED);
  }

  exportState(): EpochsState {
    return { height: String(this.height), ended: [...this.ended].map(([e, t]) => [String(e), t]) };
  }

  importState(state: EpochsState): void {
    this.height = BigInt(state.height);
    this.ended = new Map(state.ended.map(([e, t]) => [BigInt(e), t]));
  }
}
