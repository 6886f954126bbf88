import {
  type BabylonEventTypeName,
  encodeTypedEvent,
  isBabylonTypedEvent,
} from "../../chains/babylon/events.ts";
import type { MessageCodec } from "../../chains/babylon/proto.ts";
import type { BlockContext } from "../chain/module.ts";
import type { TypedEmit } from "./staking.ts";

/** Go's encoding/json escapes these in strings; the SDK's typed-event attributes are Go JSON. */
function goJson(value: unknown): string {
  return JSON.stringify(value).replace(
    /[<>&\u2028\u2029]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`,
  );
}

/**
 * Emits Babylon typed events into a block or message context, in the SDK's typed-event form (the type is
 * the proto name; one attribute per field, sorted, holding its proto3 JSON). Events the gadget's codec
 * registry knows go through it; others the devnet emits for fidelity (v3-events.ts) are rendered the same
 * way from their own codec.
 */
export function typedEmitter(ctx: Pick<BlockContext, "emit">): TypedEmit {
  return (codec, value) => {
    const type = codec.typeName;
    if (isBabylonTypedEvent(type)) {
      ctx.emit(encodeTypedEvent(type as BabylonEventTypeName, value as never));
      return;
    }
    if (!type.startsWith("babylon.")) throw new Error(`${type} is not a Babylon typed event`);
    const c = codec as MessageCodec<unknown>;
    const json = c.toJSON(c.fromPartial(value as never));
    const attributes = Object.keys(json)
      .sort()
      .map((key) => ({ key, value: goJson(json[key]) }));
    ctx.emit({ type, attributes });
  };
}
