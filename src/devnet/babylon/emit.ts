import {
  type BabylonEventTypeName,
  encodeTypedEvent,
  isBabylonTypedEvent,
} from "../../chains/babylon/events.ts";
import type { BlockContext } from "../chain/module.ts";
import type { TypedEmit } from "./staking.ts";

/**
 * Emits Babylon typed events into a block or message context, in the SDK's typed-event form (the type is
 * the proto name; one attribute per field, sorted, holding its proto3 JSON), through the gadget's own codec
 * registry, so the devnet emits only events the indexer can read.
 */
export function typedEmitter(ctx: Pick<BlockContext, "emit">): TypedEmit {
  return (codec, value) => {
    const type = codec.typeName;
    if (!isBabylonTypedEvent(type)) throw new Error(`${type} is not a Babylon typed event the codec knows`);
    ctx.emit(encodeTypedEvent(type as BabylonEventTypeName, value as never));
  };
}
