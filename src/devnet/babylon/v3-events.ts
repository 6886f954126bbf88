// Babylon v3 typed events the devnet emits as the real chain does, declared here from Babylon's
// events.proto (x/btcstaking, x/finality) because the gadget's codec registry does not list them (yet).
import { defineMessage, field, string } from "../../chains/babylon/proto.ts";

/** One covenant member's signatures on a delegation (MsgAddCovenantSigs); quorum is reported separately. */
export const EventCovenantSignatureReceived = defineMessage(
  "babylon.btcstaking.v1.EventCovenantSignatureReceived",
  {
    stakingTxHash: field(1, string),
    covenantBtcPkHex: field(2, string),
    covenantUnbondingSignatureHex: field(3, string),
  },
);

/** x/finality jailing a provider for missing too many votes (liveness). */
export const EventJailedFinalityProvider = defineMessage("babylon.finality.v1.EventJailedFinalityProvider", {
  publicKey: field(1, string),
});
