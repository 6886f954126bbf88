// babylon.btccheckpoint.v1: the k and w depths every BTC-timestamped decision uses.

import { defineMessage, field, type MessageOf, message, string, uint32 } from "./proto.ts";

export const BtcCheckpointParams = defineMessage("babylon.btccheckpoint.v1.Params", {
  /** k: blocks on top of a BTC block before it counts as confirmed. */
  btcConfirmationDepth: field(1, uint32),
  /** w: blocks on top before a checkpoint is final. */
  checkpointFinalizationTimeout: field(2, uint32),
  checkpointTag: field(3, string),
});
export type BtcCheckpointParams = MessageOf<typeof BtcCheckpointParams>;

export const BtcCheckpointQueryParamsRequest = defineMessage(
  "babylon.btccheckpoint.v1.QueryParamsRequest",
  {},
);
export type BtcCheckpointQueryParamsRequest = MessageOf<typeof BtcCheckpointQueryParamsRequest>;

export const BtcCheckpointQueryParamsResponse = defineMessage(
  "babylon.btccheckpoint.v1.QueryParamsResponse",
  {
    params: field(1, message(BtcCheckpointParams)),
  },
);
export type BtcCheckpointQueryParamsResponse = MessageOf<typeof BtcCheckpointQueryParamsResponse>;
