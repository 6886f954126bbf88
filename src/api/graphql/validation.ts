// Argument validation shared by the GraphQL types: a bad argument is a clear error naming it.
import { with0x } from "../../core/crypto/bytes.ts";
import { badArgument } from "./pagination.ts";

export const BTC_PK = /^[0-9a-f]{64}$/;
export const L2_HASH = /^0x[0-9a-f]{64}$/;

export function btcPkArg(name: string, value: string): string {
  const pk = value.toLowerCase();
  if (!BTC_PK.test(pk))
    throw badArgument(name, `expected a 64-hex-digit x-only BTC public key, got ${JSON.stringify(value)}`);
  return pk;
}

export function l2HashArg(name: string, value: string): string {
  const hash = with0x(value).toLowerCase();
  if (!L2_HASH.test(hash))
    throw badArgument(name, `expected a 32-byte hex block hash, got ${JSON.stringify(value)}`);
  return hash;
}

export function nonNegative(name: string, value: bigint): bigint {
  if (value < 0n) throw badArgument(name, `must not be negative (got ${value})`);
  return value;
}
