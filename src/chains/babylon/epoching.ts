// babylon.epoching.v1 CurrentEpoch and babylon.checkpointing.v1 LastCheckpointWithStatus: whether a
// Babylon epoch is BTC-finalized (pub-rand commits are "timestamped" once their epoch is).

import {
  bytes,
  defineEnum,
  defineMessage,
  enumOf,
  field,
  type MessageOf,
  message,
  optional,
  string,
  uint64,
} from "./proto.ts";

export const QueryCurrentEpochRequest = defineMessage("babylon.epoching.v1.QueryCurrentEpochRequest", {});
export type QueryCurrentEpochRequest = MessageOf<typeof QueryCurrentEpochRequest>;

export const QueryCurrentEpochResponse = defineMessage("babylon.epoching.v1.QueryCurrentEpochResponse", {
  currentEpoch: field(1, uint64),
  /** Height of the current epoch's last block. */
  epochBoundary: field(2, uint64),
});
export type QueryCurrentEpochResponse = MessageOf<typeof QueryCurrentEpochResponse>;

export const CheckpointStatus = defineEnum("babylon.checkpointing.v1.CheckpointStatus", {
  CKPT_STATUS_ACCUMULATING: 0,
  CKPT_STATUS_SEALED: 1,
  CKPT_STATUS_SUBMITTED: 2,
  CKPT_STATUS_CONFIRMED: 3,
  CKPT_STATUS_FINALIZED: 4,
});

export const RawCheckpointResponse = defineMessage("babylon.checkpointing.v1.RawCheckpointResponse", {
  epochNum: field(1, uint64),
  blockHashHex: field(2, string),
  bitmap: field(3, bytes),
  blsMultiSig: field(4, bytes),
});
export type RawCheckpointResponse = MessageOf<typeof RawCheckpointResponse>;

export const QueryLastCheckpointWithStatusRequest = defineMessage(
  "babylon.checkpointing.v1.QueryLastCheckpointWithStatusRequest",
  { status: field(1, enumOf(CheckpointStatus)) },
);
export type QueryLastCheckpointWithStatusRequest = MessageOf<typeof QueryLastCheckpointWithStatusRequest>;

export const QueryLastCheckpointWithStatusResponse = defineMessage(
  "babylon.checkpointing.v1.QueryLastCheckpointWithStatusResponse",
  { rawCheckpoint: optional(1, message(RawCheckpointResponse)) },
);
export type QueryLastCheckpointWithStatusResponse = MessageOf<typeof QueryLastCheckpointWithStatusResponse>;
