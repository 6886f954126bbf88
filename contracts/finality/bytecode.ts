// The real compiled finality contracts (Babylon Labs' code under BUSL-1.1, see wasm/NOTICE and
// wasm/PROVENANCE.md): what the devnet deploys and the contract tests run.
import { readFileSync } from "node:fs";
import type { Dialect } from "./messages.ts";

/** The files beside this module, and the sha256 PROVENANCE.md gives for each. */
export const FINALITY_BYTECODE: Record<Dialect, { file: URL; checksum: string }> = {
  "rollup-bsn": {
    file: new URL("./wasm/rollup-bsn-finality.wasm", import.meta.url),
    checksum: "43d69bc8daad280bdddf8a9ff5820ce485f83f420c845475ad45c5a162822ebd",
  },
  "op-finality-gadget": {
    file: new URL("./wasm/op-finality-gadget.wasm", import.meta.url),
    checksum: "33c34098c628d501d584a943023fde2ad145a2e05696863cea26caf26a55d94a",
  },
};

const loaded = new Map<Dialect, Uint8Array>();

/** The contract's wasm bytes for a dialect (read once). */
export function finalityContractCode(dialect: Dialect = "rollup-bsn"): Uint8Array {
  let bytes = loaded.get(dialect);
  if (!bytes) {
    bytes = new Uint8Array(readFileSync(FINALITY_BYTECODE[dialect].file));
    loaded.set(dialect, bytes);
  }
  return bytes;
}
