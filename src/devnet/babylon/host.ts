import type { BabylonHost } from "../../../contracts/finality/index.ts";
import { isValidAddress } from "../chain/encoding.ts";
import type { BtcStakingModule } from "./btcstaking-module.ts";
import type { Epochs } from "./epochs.ts";

/** What the finality contract asks of Babylon, answered from the devnet's modules. */
export function babylonHost(staking: BtcStakingModule, epochs: Epochs): BabylonHost {
  return {
    finalityProvider(btcPkHex) {
      const fp = staking.staking.provider(btcPkHex);
      if (!fp) return undefined;
      return {
        btcPkHex: fp.btcPkHex,
        bsnId: fp.bsnId,
        slashedBabylonHeight: fp.slashedBabylonHeight,
        slashedBtcHeight: BigInt(fp.slashedBtcHeight),
      };
    },
    currentEpoch: () => epochs.currentEpoch(),
    lastFinalizedEpoch: () => epochs.lastFinalizedEpoch(),
    addressValidate: isValidAddress,
  };
}
