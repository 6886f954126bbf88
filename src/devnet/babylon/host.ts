import type { BabylonQueries } from "../chain/wasm-querier.ts";
import type { Epochs } from "./epochs.ts";

/** Babylon's custom contract queries (`epoch`, `latest_finalized_epoch_info`), answered from x/epoching. */
export function babylonQueries(epochs: Epochs): BabylonQueries {
  return {
    currentEpoch: () => epochs.currentEpoch(),
    lastFinalizedEpoch: () => {
      const epoch = epochs.lastFinalizedEpoch();
      return { epoch, lastBlockHeight: epoch * epochs.interval };
    },
  };
}
