/**
 * Babylon's typed events in the form CometBFT `block_results` / `tx_search` return them.
 *
 * Cosmos SDK `TypedEventToEvent`: the event type is the proto full name; the message is rendered with
 * Go's jsonpb (proto field names, defaults emitted) and every top-level JSON key becomes one attribute,
 * sorted by key, whose value is that key's raw JSON — strings quoted, uint64 as quoted decimals, enums by
 * name, sub-messages as JSON objects. Events emitted while executing a message get a trailing
 * `msg_index` attribute; SDK 0.50 adds `mode` to begin/end-block events. Decoding ignores both, and any
 * attribute a newer Babylon adds; fields an older one lacks decode to their defaults.
 */

import {
  EventBTCDelegationCreated,
  EventBTCDelegationExpired,
  EventBTCDelegationInclusionProofReceived,
  EventBTCDelegationStateUpdate,
  EventBTCDelgationUnbondedEarly,
  EventCovenantQuorumReached,
  EventCovenantSignatureReceived,
  EventFinalityProviderCreated,
  EventFinalityProviderEdited,
  EventFinalityProviderStatusChange,
  EventUnexpectedUnbondingTx,
} from "./btcstaking.ts";
import { EventJailedFinalityProvider, EventSlashedFinalityProvider } from "./finality.ts";
import type { DeepPartial, JsonValue, MessageOf } from "./proto.ts";

/** Event type names (proto full names). */
export const BabylonEventType = {
  FinalityProviderCreated: EventFinalityProviderCreated.typeName,
  FinalityProviderEdited: EventFinalityProviderEdited.typeName,
  FinalityProviderStatusChange: EventFinalityProviderStatusChange.typeName,
  BTCDelegationCreated: EventBTCDelegationCreated.typeName,
  CovenantQuorumReached: EventCovenantQuorumReached.typeName,
  BTCDelegationInclusionProofReceived: EventBTCDelegationInclusionProofReceived.typeName,
  BTCDelgationUnbondedEarly: EventBTCDelgationUnbondedEarly.typeName,
  BTCDelegationExpired: EventBTCDelegationExpired.typeName,
  BTCDelegationStateUpdate: EventBTCDelegationStateUpdate.typeName,
  SlashedFinalityProvider: EventSlashedFinalityProvider.typeName,
  CovenantSignatureReceived: EventCovenantSignatureReceived.typeName,
  UnexpectedUnbondingTx: EventUnexpectedUnbondingTx.typeName,
  JailedFinalityProvider: EventJailedFinalityProvider.typeName,
} as const;

const CODECS = {
  [EventFinalityProviderCreated.typeName]: EventFinalityProviderCreated,
  [EventFinalityProviderEdited.typeName]: EventFinalityProviderEdited,
  [EventFinalityProviderStatusChange.typeName]: EventFinalityProviderStatusChange,
  [EventBTCDelegationCreated.typeName]: EventBTCDelegationCreated,
  [EventCovenantQuorumReached.typeName]: EventCovenantQuorumReached,
  [EventBTCDelegationInclusionProofReceived.typeName]: EventBTCDelegationInclusionProofReceived,
  [EventBTCDelgationUnbondedEarly.typeName]: EventBTCDelgationUnbondedEarly,
  [EventBTCDelegationExpired.typeName]: EventBTCDelegationExpired,
  [EventBTCDelegationStateUpdate.typeName]: EventBTCDelegationStateUpdate,
  [EventSlashedFinalityProvider.typeName]: EventSlashedFinalityProvider,
  [EventCovenantSignatureReceived.typeName]: EventCovenantSignatureReceived,
  [EventUnexpectedUnbondingTx.typeName]: EventUnexpectedUnbondingTx,
  [EventJailedFinalityProvider.typeName]: EventJailedFinalityProvider,
} as const;

export type BabylonEventTypeName = keyof typeof CODECS;
export type BabylonEventValue<K extends BabylonEventTypeName> = MessageOf<(typeof CODECS)[K]>;

export interface EventAttribute {
  key: string;
  value: string;
}

/** What CosmJS and CometBFT JSON give for an event (attribute `index` flags and the like are ignored). */
export interface AbciEventLike {
  type: string;
  attributes: readonly EventAttribute[];
}

export type DecodedBabylonEvent = {
  [K in BabylonEventTypeName]: {
    type: K;
    value: BabylonEventValue<K>;
    /** Index of the tx message that emitted it; undefined for block (finalize_block) events. */
    msgIndex: number | undefined;
  };
}[BabylonEventTypeName];

const MSG_INDEX = "msg_index";

export function isBabylonTypedEvent(type: string): type is BabylonEventTypeName {
  return Object.hasOwn(CODECS, type);
}

/** Go's encoding/json escapes these; attribute values are Go's bytes, so match them exactly. */
function goJson(value: JsonValue): string {
  return JSON.stringify(value).replace(
    /[<>&\u2028\u2029]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`,
  );
}

/** Renders a typed event as Babylon emits it; pass `msgIndex` for events emitted by a tx message. */
export function encodeTypedEvent<K extends BabylonEventTypeName>(
  type: K,
  value: DeepPartial<BabylonEventValue<K>>,
  opts: { msgIndex?: number } = {},
): { type: K; attributes: EventAttribute[] } {
  const codec = CODECS[type];
  if (codec === undefined)
    throw new TypeError(`not a Babylon typed event this codec knows: ${JSON.stringify(type)}`);
  // The union of codecs cannot see that K picks the matching one; the cast restores what K guarantees.
  const c = codec as unknown as {
    fromPartial(p: unknown): unknown;
    toJSON(m: unknown): { [key: string]: JsonValue };
  };
  const json = c.toJSON(c.fromPartial(value));
  const attributes = Object.keys(json)
    .sort()
    .map((key) => ({ key, value: goJson(json[key]!) }));
  if (opts.msgIndex !== undefined) attributes.push({ key: MSG_INDEX, value: String(opts.msgIndex) });
  return { type, attributes };
}

/** Decodes one of the Babylon typed events above; throws naming the event and attribute on bad input. */
export function decodeTypedEvent(event: AbciEventLike): DecodedBabylonEvent {
  const { type } = event;
  if (!isBabylonTypedEvent(type))
    throw new TypeError(`not a Babylon typed event this codec knows: ${JSON.stringify(type)}`);
  const codec = CODECS[type] as unknown as { protoNames: readonly string[]; fromJSON(j: unknown): unknown };
  const known = new Set(codec.protoNames);
  const json: Record<string, unknown> = {};
  let msgIndex: number | undefined;
  for (const { key, value } of event.attributes) {
    if (key === MSG_INDEX) {
      if (!/^\d+$/.test(value))
        throw new TypeError(`${type}: msg_index is not a non-negative integer: ${JSON.stringify(value)}`);
      msgIndex = Number(value);
    } else if (known.has(key)) {
      try {
        json[key] = JSON.parse(value);
      } catch {
        throw new TypeError(`${type}: attribute ${key} is not JSON: ${JSON.stringify(value)}`);
      }
    }
  }
  let decoded: unknown;
  try {
    decoded = codec.fromJSON(json);
  } catch (err) {
    throw new TypeError(`${type}: ${(err as Error).message}`);
  }
  return { type, value: decoded, msgIndex } as DecodedBabylonEvent;
}
