// A vote-signing thread for the voted history (vote-signer.ts): it derives its providers' randomness and
// Merkle proofs and signs their votes, so that this work and the objects it keeps (a proof per provider and
// committed height) stay out of the thread that runs the devnet.
import { parentPort, workerData } from "node:worker_threads";
import { type Vote, type VoteParts, voteSigner } from "../../contracts/finality/signing.ts";
import { hexToBytes, strip0x } from "../../src/core/crypto/bytes.ts";
import * as merkle from "../../src/core/crypto/merkle.ts";
import { deriveRandomnessList } from "../../src/core/crypto/randomness.ts";
import type { SignerRequest, SignerResponse, SignerSetup } from "./vote-signer.ts";

interface Provider {
  sign: (parts: VoteParts) => Vote;
  list: ReturnType<typeof deriveRandomnessList>;
  proofs: merkle.Proof[];
  root: Uint8Array;
}

const setup = workerData as SignerSetup;
const providers = new Map<number, Provider>();

function provider(index: number): Provider {
  let p = providers.get(index);
  if (!p) {
    const secretKey = setup.secretKeys[index]!;
    const list = deriveRandomnessList(secretKey, setup.bsnId, setup.activation, setup.count, setup.interval);
    p = {
      sign: voteSigner(secretKey, setup.voteContext),
      list,
      proofs: merkle.proofs(list.pubRands),
      root: merkle.root(list.pubRands),
    };
    providers.set(index, p);
  }
  return p;
}

function answer(request: SignerRequest): Uint8Array[] | Vote[] {
  if (request.kind === "roots") return request.providers.map((i) => provider(i).root);
  const votes: Vote[] = [];
  for (const b of request.blocks) {
    const at = Number((b.height - setup.activation) / setup.interval);
    const blockHash = hexToBytes(strip0x(b.hash));
    for (const i of request.providers) {
      const p = provider(i);
      votes.push(
        p.sign({
          height: b.height,
          blockHash,
          privRand: p.list.privRands[at]!,
          pubRand: p.list.pubRands[at]!,
          proof: p.proofs[at]!,
        }),
      );
    }
  }
  return votes;
}

parentPort!.on("message", (request: SignerRequest) => {
  let response: SignerResponse;
  try {
    response = { id: request.id, answer: answer(request) };
  } catch (error) {
    response = { id: request.id, error: error instanceof Error ? error.message : String(error) };
  }
  parentPort!.postMessage(response);
});
