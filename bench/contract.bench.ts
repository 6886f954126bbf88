// Contract execute latency for `npm run bench`: commit_public_randomness and submit_finality_signature on
// the real compiled rollup-BSN contract, run by the devnet's CosmWasm host (ContractSandbox: fuel-checked
// code, an instance reset between calls, journaled storage), without a chain. 5 rounds of a 200-value commitment
// and its 200 votes, so vote latency includes a growing store.
import { blockHash, env, Provider, setup } from "../test/contract/fixture.ts";
import { percentile, printLine } from "./harness.ts";

export async function run(): Promise<void> {
  console.log("\n## Contract execute latency (real rollup-BSN bytecode, devnet CosmWasm host, no chain)");
  const fp = Provider.fromSeed(1);
  const s = setup([fp], {
    max_msgs_per_interval: 1_000_000,
    rate_limiting_interval: 1_000_000n,
    min_pub_rand: 1n,
    finality_signature_interval: 1n,
    bsn_activation_height: 1n,
  });
  const commits: number[] = [];
  const votes: number[] = [];
  let start = 100n;
  for (let round = 0; round < 5; round++) {
    const c = fp.commitment(start, 200, 1n);
    let t = performance.now();
    s.contract.execute(c.msg, env(20n));
    commits.push(performance.now() - t);
    s.host.finalizedEpoch = s.host.epoch;
    const signed = c.list.heights.map((h) => c.vote(h, blockHash(`b${h}`)));
    for (const v of signed) {
      t = performance.now();
      s.contract.execute(v, env(30n));
      votes.push(performance.now() - t);
    }
    start += 200n;
  }
  const sorted = (a: number[]) => a.slice().sort((x, y) => x - y);
  const c = sorted(commits);
  const v = sorted(votes);
  printLine(
    "commit_public_randomness (200 values)",
    `p50 ${percentile(c, 50).toFixed(2)} ms (${c.length} commits)`,
  );
  printLine(
    "submit_finality_signature",
    `p50 ${percentile(v, 50).toFixed(2)} ms, p95 ${percentile(v, 95).toFixed(2)} ms (${v.length} votes)`,
  );
}
