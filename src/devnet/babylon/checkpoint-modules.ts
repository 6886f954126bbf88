import { BtcCheckpointQueryParamsResponse } from "../../chains/babylon/btccheckpoint.ts";
import {
  QueryCurrentEpochResponse,
  QueryLastCheckpointWithStatusRequest,
  QueryLastCheckpointWithStatusResponse,
} from "../../chains/babylon/epoching.ts";
import { AbciError, type BlockContext, type Module } from "../chain/module.ts";
import type { Epochs, EpochsState } from "./epochs.ts";

export interface CheckpointParams {
  /** btc_confirmation_depth. */
  k: number;
  /** checkpoint_finalization_timeout. */
  w: number;
  checkpointTag: string;
}

/** x/btccheckpoint: its Params only (k and w, which the gadget's activity rule uses). */
export class BtcCheckpointModule implements Module {
  readonly name = "btccheckpoint";
  constructor(readonly params: CheckpointParams) {}

  readonly queries = {
    "/babylon.btccheckpoint.v1.Query/Params": (): Uint8Array =>
      BtcCheckpointQueryParamsResponse.encode({
        params: {
          btcConfirmationDepth: this.params.k,
          checkpointFinalizationTimeout: this.params.w,
          checkpointTag: this.params.checkpointTag,
        },
      }),
  };

  snapshot(): unknown {
    return null;
  }
  restore(): void {}
  exportState(): unknown {
    return null; // params come from the devnet's options
  }
  importState(): void {}
}

/** x/epoching's CurrentEpoch and x/checkpointing's LastCheckpointWithStatus, over `Epochs`. */
export class EpochingModule implements Module {
  readonly name = "epoching";
  constructor(readonly epochs: Epochs) {}

  beginBlock(ctx: BlockContext): void {
    this.epochs.blockBegan(ctx.height);
  }

  endBlock(ctx: BlockContext): void {
    this.epochs.blockEnded(ctx.height);
  }

  readonly queries = {
    "/babylon.epoching.v1.Query/CurrentEpoch": (): Uint8Array =>
      QueryCurrentEpochResponse.encode({
        currentEpoch: this.epochs.currentEpoch(),
        epochBoundary: this.epochs.epochBoundary(),
      }),
    "/babylon.checkpointing.v1.Query/LastCheckpointWithStatus": (request: Uint8Array): Uint8Array => {
      const { status } = QueryLastCheckpointWithStatusRequest.decode(request);
      const epoch = this.epochs.lastEpochWithStatus(status);
      // Epoch 0 (genesis) has no raw checkpoint: Babylon's keeper fails the lookup rather than answer 0.
      if (epoch === 0n) {
        throw new AbciError(
          "checkpointing",
          1201,
          "no raw checkpoint is found at epoch 0: raw checkpoint does not exist",
        );
      }
      return QueryLastCheckpointWithStatusResponse.encode(
        QueryLastCheckpointWithStatusResponse.fromPartial({ rawCheckpoint: { epochNum: epoch } }),
      );
    },
  };

  snapshot(): unknown {
    return null;
  }
  restore(): void {}
  exportState(): EpochsState {
    return this.epochs.exportState();
  }
  importState(state: unknown): void {
    this.epochs.importState(state as EpochsState);
  }
}
