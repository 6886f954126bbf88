/**
 * Cosmos LegacyDec: 18 decimal places. On the protobuf wire a LegacyDec string is the scaled integer
 * ("0.05" travels as "50000000000000000"); in events and JSON it is the decimal text.
 */
const SCALE = 10n ** 18n;

/** "0.05" → 50000000000000000n; throws naming `field` on anything that is not a non-negative decimal. */
export function parseDec(text: string, field: string): bigint {
  const m = /^(\d+)(?:\.(\d{1,18}))?$/.exec(text.trim());
  if (!m) throw new Error(`${field} must be a non-negative decimal like "0.05", got ${JSON.stringify(text)}`);
  return BigInt(m[1]!) * SCALE + BigInt((m[2] ?? "").padEnd(18, "0"));
}

export function formatDec(scaled: bigint): string {
  const whole = scaled / SCALE;
  const frac = (scaled % SCALE).toString().padStart(18, "0");
  return `${whole}.${frac}`;
}

/** A wire LegacyDec (scaled integer text) → scaled value; empty means zero, as gogoproto decodes it. */
export function fromWireDec(wire: string, field: string): bigint {
  if (wire === "") return 0n;
  if (!/^\d+$/.test(wire))
    throw new Error(`${field} must be a LegacyDec scaled integer, got ${JSON.stringify(wire)}`);
  return BigInt(wire);
}

export const ONE = SCALE;
