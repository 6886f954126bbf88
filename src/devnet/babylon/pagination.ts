import { AbciError } from "../chain/module.ts";

/** cosmos.base.query.v1beta1.PageRequest, as the handlers see it after decoding. */
export interface PageRequestLike {
  key?: Uint8Array;
  offset?: bigint;
  limit?: bigint;
  countTotal?: boolean;
  reverse?: boolean;
}

export interface Page<T> {
  items: T[];
  /** Store key of the first item not returned; empty when the listing is exhausted. */
  nextKey: Uint8Array;
  /** Set only when count_total was asked with offset paging, as the SDK does. */
  total: bigint;
}

/** The SDK's default page size (query.DefaultLimit). */
export const DEFAULT_LIMIT = 100n;

/**
 * Cosmos SDK store pagination (types/query/pagination.go) over items with store keys: a key page starts at
 * that key inclusive, an offset page skips `offset` items; both at once is an error, as in the SDK.
 * `keyed` must be sorted ascending by key bytes.
 */
export function paginate<T>(
  keyed: readonly { key: Uint8Array; item: T }[],
  req: PageRequestLike | undefined,
): Page<T> {
  const key = req?.key ?? new Uint8Array(0);
  const offset = req?.offset ?? 0n;
  const limit = req?.limit && req.limit > 0n ? req.limit : DEFAULT_LIMIT;
  if (key.length > 0 && offset > 0n) {
    throw new AbciError("sdk", 18, "either offset or key is expected, got both: invalid request");
  }
  const ordered = req?.reverse ? [...keyed].reverse() : keyed;
  let start = 0;
  if (key.length > 0) {
    start = ordered.findIndex((e) => {
      const c = compareBytes(e.key, key);
      return req?.reverse ? c <= 0 : c >= 0;
    });
    if (start < 0) start = ordered.length;
  } else {
    start = Number(offset > BigInt(ordered.length) ? BigInt(ordered.length) : offset);
  }
  const end = Math.min(
    ordered.length,
    start + Number(limit > BigInt(ordered.length) ? BigInt(ordered.length) : limit),
  );
  const next = ordered[end];
  return {
    items: ordered.slice(start, end).map((e) => e.item),
    nextKey: next ? next.key : new Uint8Array(0),
    total: key.length === 0 && req?.countTotal ? BigInt(ordered.length) : 0n,
  };
}

export function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const d = a[i]! - b[i]!;
    if (d !== 0) return d;
  }
  return a.length - b.length;
}
