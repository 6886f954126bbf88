// SHA-256 through Node's native hash: the indexer hashes every Babylon tx and every staking tx it reads, and
// node:crypto does that several times faster than a JavaScript implementation. Takes any number of parts,
// hashed as their concatenation.
import { createHash } from "node:crypto";

export function sha256(...parts: Uint8Array[]): Uint8Array {
  const hash = createHash("sha256");
  for (const part of parts) hash.update(part);
  const digest = hash.digest();
  // A plain Uint8Array over the digest's own memory, as every other byte value here is.
  return new Uint8Array(digest.buffer, digest.byteOffset, digest.byteLength);
}
