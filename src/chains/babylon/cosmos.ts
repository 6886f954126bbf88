// Cosmos SDK and well-known protobuf types the Babylon messages embed.

import { bool, bytes, defineMessage, field, int32, int64, type MessageOf, string, uint64 } from "./proto.ts";

function timestampToJSON(m: unknown): string {
  const { seconds, nanos } = m as { seconds: bigint; nanos: number };
  const ms = Number(seconds) * 1000;
  const base = new Date(ms).toISOString().slice(0, 19);
  // Go's jsonpb prints 0, 3, 6 or 9 fractional digits, the fewest that are exact.
  let frac = "";
  if (nanos !== 0) {
    frac = `.${String(nanos).padStart(9, "0")}`;
    if (nanos % 1_000_000 === 0) frac = frac.slice(0, 4);
    else if (nanos % 1000 === 0) frac = frac.slice(0, 7);
  }
  return `${base}${frac}Z`;
}

function timestampFromJSON(json: unknown): { seconds: bigint; nanos: number } {
  if (json === null || json === undefined) return { seconds: 0n, nanos: 0 };
  const match = typeof json === "string" ? /^(.*?)(?:\.(\d{1,9}))?(Z|[+-]\d{2}:\d{2})$/.exec(json) : null;
  const ms = match ? Date.parse(`${match[1]}${match[3]}`) : Number.NaN;
  if (!match || Number.isNaN(ms))
    throw new TypeError(`expected an RFC 3339 timestamp, got ${JSON.stringify(json)}`);
  return { seconds: BigInt(ms / 1000), nanos: Number((match[2] ?? "").padEnd(9, "0")) };
}

export const Timestamp = defineMessage(
  "google.protobuf.Timestamp",
  { seconds: field(1, int64), nanos: field(2, int32) },
  { json: { toJSON: timestampToJSON, fromJSON: timestampFromJSON } },
);
export type Timestamp = MessageOf<typeof Timestamp>;

export const PageRequest = defineMessage("cosmos.base.query.v1beta1.PageRequest", {
  key: field(1, bytes),
  offset: field(2, uint64),
  limit: field(3, uint64),
  countTotal: field(4, bool),
  reverse: field(5, bool),
});
export type PageRequest = MessageOf<typeof PageRequest>;

export const PageResponse = defineMessage("cosmos.base.query.v1beta1.PageResponse", {
  nextKey: field(1, bytes),
  total: field(2, uint64),
});
export type PageResponse = MessageOf<typeof PageResponse>;

export const Description = defineMessage("cosmos.staking.v1beta1.Description", {
  moniker: field(1, string),
  identity: field(2, string),
  website: field(3, string),
  securityContact: field(4, string),
  details: field(5, string),
});
export type Description = MessageOf<typeof Description>;

/** Rates are LegacyDec: on the proto wire the 1e18-scaled integer as a decimal string ("50000000000000000" = 0.05). */
export const CommissionRates = defineMessage("cosmos.staking.v1beta1.CommissionRates", {
  rate: field(1, string),
  maxRate: field(2, string),
  maxChangeRate: field(3, string),
});
export type CommissionRates = MessageOf<typeof CommissionRates>;

const DEC_SCALE = 10n ** 18n;

/**
 * A LegacyDec as the proto wire carries it (the 1e18-scaled integer) from its decimal form:
 * "0.05" → "50000000000000000". Throws on malformed input or more than 18 fractional digits.
 */
export function legacyDecToWire(decimal: string): string {
  const m = /^(-?)(\d+)(?:\.(\d{1,18}))?$/.exec(decimal);
  if (!m) throw new TypeError(`not a decimal with at most 18 fractional digits: ${JSON.stringify(decimal)}`);
  const scaled = BigInt(m[2]!) * DEC_SCALE + BigInt((m[3] ?? "").padEnd(18, "0"));
  return `${m[1] === "-" && scaled !== 0n ? "-" : ""}${scaled}`;
}

/** The decimal form Go's LegacyDec.String() prints (18 fractional digits) of a wire value. */
export function legacyDecFromWire(wire: string): string {
  if (!/^-?\d+$/.test(wire)) throw new TypeError(`not a LegacyDec wire integer: ${JSON.stringify(wire)}`);
  const v = BigInt(wire);
  const abs = v < 0n ? -v : v;
  return `${v < 0n ? "-" : ""}${abs / DEC_SCALE}.${(abs % DEC_SCALE).toString().padStart(18, "0")}`;
}
