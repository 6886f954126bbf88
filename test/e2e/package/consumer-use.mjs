// Run with plain node inside a project that installed the packed tarball: what a consumer of the client entry
// does. Prints one JSON line for the test to check.
import {
  eots,
  FinalityGadgetClient,
  finalityVoteMessage,
  GadgetHttpClient,
  keys,
  merkle,
  randomness,
  signingContextFor,
  signVote,
} from "op-btc-finality/client";

const [grpcAddress, httpUrl, chainId, contractAddress] = process.argv.slice(2);

const grpc = new FinalityGadgetClient(grpcAddress);
const latest = await grpc.queryLatestFinalizedBlock();
const finalizedByHeight = await grpc.queryIsBlockFinalizedByHeight(latest.height);
grpc.close();

const http = new GadgetHttpClient(httpUrl);
const block = await http.block(latest.height);

// An EOTS vote as a provider signs it, checked with the public values only.
const sk = keys.secretKeyFromMnemonic(keys.generateMnemonic());
const height = 100n;
const rands = randomness.deriveRandomnessList(sk, "op-stack-l2-test", height, 4, 1n);
const proofs = merkle.proofs(rands.pubRands);
const blockHash = new Uint8Array(32).fill(7);
const context = signingContextFor(chainId, contractAddress).finalityVote;
const vote = signVote(
  sk,
  { height, blockHash, privRand: rands.privRands[0], pubRand: rands.pubRands[0], proof: proofs[0] },
  context,
);
const pk = keys.xonlyPublicKey(sk);
const verified = eots.verify(
  pk,
  vote.pubRand,
  finalityVoteMessage(height, blockHash, context),
  vote.signature,
);
const otherBlock = eots.verify(
  pk,
  vote.pubRand,
  finalityVoteMessage(height, new Uint8Array(32), context),
  vote.signature,
);

console.log(
  JSON.stringify({
    latestHeight: latest.height.toString(),
    latestHash: latest.hash,
    finalizedByHeight,
    httpBlock: block && {
      height: block.height.toString(),
      hash: block.hash,
      btcFinalized: block.btcFinalized,
    },
    verified,
    otherBlock,
  }),
);
