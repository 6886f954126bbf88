import { rmSync } from "node:fs";
import { afterEach, describe, expect, it } from "vitest";
import { bytesEqual } from "../../src/core/crypto/bytes.ts";
import { FakeChain, FakeL2, PK, type Rig, startRig } from "./harness.ts";

const ACT = 100n;
const IV = 5n;
const rigs: Rig[] = [];

async function setup(options: Parameters<typeof startRig>[2] = {}, tip = 90n) {
  const l2 = new FakeL2();
  l2.tip = tip;
  const chain = new FakeChain({ activation: ACT, interval: IV });
  const rig = await startRig(l2, chain, options);
  rigs.push(rig);
  // The first tick commits randomness from the (pre-activation) tip on, as a provider set up ahead does.
  await settle(rig);
  return rig;
}

afterEach(() => {
  for (const r of rigs.splice(0)) {
    try {
      r.guard.close();
    } catch {
      // already closed by crash()
    }
    rmSync(r.home, { recursive: true, force: true });
  }
});

/** Ticks until nothing is left to do, swallowing the failures the loop would back off from. */
async function settle(rig: Rig, maxTicks = 200): Promise<unknown[]> {
  const errors: unknown[] = [];
  for (let i = 0; i < maxTicks; i++) {
    try {
      await rig.voter.tick();
    } catch (err) {
      errors.push(err);
      continue;
    }
    const s = rig.voter.status();
    if (s.nextHeight > rig.l2.tip && s.toResend.length === 0) return errors;
  }
  throw new Error(
    `voter did not settle: ${JSON.stringify(rig.voter.status(), (_k, v) => (typeof v === "bigint" ? v.toString() : v))}`,
  );
}

function checked(from: bigint, to: bigint): bigint[] {
  const out: bigint[] = [];
  for (let h = from; h <= to; h += IV) out.push(h);
  return out;
}

/** Every checked height in [from, to] has exactly the provider's vote for the current block and nothing else. */
function expectVotedCurrentChain(rig: Rig, from: bigint, to: bigint) {
  for (const h of checked(from, to)) {
    const voted = rig.chain.votedHash(h, [rig.l2.hashAt(h)]);
    expect(voted, `vote at ${h}`).toHaveLength(1);
  }
}

describe("Voter", () => {
  it("commits grid-aligned randomness, then votes every checked height, several per transaction", async () => {
    const rig = await setup();
    await settle(rig);
    const commit = await rig.chain.lastPubRandCommit(PK);
    expect(commit?.start_height).toBe(100n); // aligned to activation, ahead of the tip
    expect(commit?.num_pub_rand).toBe(50n);
    rig.l2.tip = 160n;
    await settle(rig);
    expectVotedCurrentChain(rig, 100n, 160n);
    expect(await rig.chain.highestVotedHeight(PK)).toBe(160n);
    expect(rig.chain.submittedTxs.some((tx) => tx.length > 1)).toBe(true);
    expect(Math.max(...rig.chain.submittedTxs.map((tx) => tx.length))).toBeLessThanOrEqual(4);
    expect(rig.chain.equivocations).toHaveLength(0);
    const text = await rig.metrics.registry.metrics();
    expect(text).toMatch(/obf_provider_votes_confirmed_total 13/);
    expect(text).toMatch(/obf_provider_last_voted_height 160/);
    expect(text).toMatch(/obf_provider_randomness_committed_total 50/);
    expect(text).not.toContain(PK);
  });

  it("keeps randomness committed ahead as the L2 advances, without overlap", async () => {
    const rig = await setup({ randomnessBatch: 20n, randomnessLookAhead: 50n });
    for (const tip of [120n, 180n, 260n, 330n]) {
      rig.l2.tip = tip;
      await settle(rig);
    }
    expectVotedCurrentChain(rig, 100n, 330n);
    const s = rig.voter.status();
    expect(s.missedTotal).toBe(0);
    expect(s.randomnessCommittedThrough! >= 330n + 50n).toBe(true);
  });

  it("waits for the commitment to be BTC-timestamped instead of skipping heights", async () => {
    const l2 = new FakeL2();
    l2.tip = 90n;
    const chain = new FakeChain({ activation: ACT, interval: IV });
    chain.currentEpoch = 3n;
    chain.finalizedEpoch = 2n;
    const rig = await startRig(l2, chain);
    rigs.push(rig);
    await settle(rig);
    l2.tip = 120n;
    for (let i = 0; i < 3; i++) await rig.voter.tick();
    expect(chain.submittedTxs).toHaveLength(0);
    expect(rig.voter.status().missedTotal).toBe(0);
    chain.finalizedEpoch = 3n;
    await settle(rig);
    expectVotedCurrentChain(rig, 100n, 120n);
  });

  it("after a reorg at signed-but-unsent heights it stays silent there and never equivocates", async () => {
    const rig = await setup();
    await settle(rig);
    rig.l2.tip = 115n;
    rig.chain.faults.push("fail-before-apply");
    await expect(rig.voter.tick()).rejects.toThrow(/broadcast failed/);
    const signedBefore = checked(100n, 115n).map((h) => rig.guard.signedHashAt(h));
    expect(signedBefore.every((x) => x !== undefined)).toBe(true);
    // The L2 reorganises 105…115 before the retry.
    const oldHashes = checked(100n, 115n).map((h) => rig.l2.hashAt(h));
    rig.l2.reorg(105n, "b");
    rig.l2.tip = 130n;
    await settle(rig);
    // 100 (unchanged) and the new heights 120…130 are voted; 105…115 are refused.
    expectVotedCurrentChain(rig, 100n, 100n);
    expectVotedCurrentChain(rig, 120n, 130n);
    for (const [i, h] of checked(100n, 115n).entries()) {
      if (h === 100n) continue;
      expect(rig.chain.votedHash(h, [rig.l2.hashAt(h), oldHashes[i]!])).toHaveLength(0);
    }
    expect(rig.chain.equivocations).toHaveLength(0);
    // No signature over a reorged block was ever handed to the chain.
    for (const tx of rig.chain.submittedTxs)
      for (const v of tx) expect(bytesEqual(v.blockHash, rig.guard.signedHashAt(v.height)!)).toBe(true);
    const missed = rig.voter.status().missed;
    expect(missed.filter((m) => m.reason === "reorg-conflict").map((m) => m.height)).toEqual([
      105n,
      110n,
      115n,
    ]);
    const critical = rig.logs.filter((l) => l["event"] === "double-sign-refused");
    expect(critical).toHaveLength(3);
    expect(await rig.metrics.registry.metrics()).toMatch(/obf_provider_double_sign_refusals_total 3/);
  });

  it("a reorg after votes were confirmed never produces a second vote, even across a restart", async () => {
    const rig = await setup();
    rig.l2.tip = 120n;
    await settle(rig);
    rig.l2.reorg(110n, "x");
    rig.l2.tip = 140n;
    // A restart with the journal asking to re-drive nothing: the resume point is past the reorged heights.
    rig.crash();
    await rig.restart();
    await settle(rig);
    expect(rig.chain.equivocations).toHaveLength(0);
    expectVotedCurrentChain(rig, 125n, 140n);
  });

  it("crash between journal record and broadcast: restart re-sends the identical votes, none lost", async () => {
    const rig = await setup();
    await settle(rig);
    rig.l2.tip = 135n;
    rig.chain.faults.push("fail-before-apply");
    await expect(rig.voter.tick()).rejects.toThrow();
    expect(rig.guard.highestHeight()).toBe(115n); // first batch of 4 journalled, not on chain
    expect(await rig.chain.highestVotedHeight(PK)).toBeNull();
    rig.crash();
    await rig.restart();
    expect(rig.voter.status().toResend).toEqual([100n, 105n, 110n, 115n]);
    await settle(rig);
    expectVotedCurrentChain(rig, 100n, 135n);
    expect(rig.chain.equivocations).toHaveLength(0);
  });

  it("crash between broadcast and confirmation: restart neither duplicates nor loses a vote", async () => {
    const rig = await setup();
    await settle(rig);
    rig.l2.tip = 135n;
    rig.chain.faults.push("apply-then-lose-response");
    await expect(rig.voter.tick()).rejects.toThrow(/timed out/);
    rig.crash();
    await rig.restart();
    await settle(rig);
    expectVotedCurrentChain(rig, 100n, 135n);
    expect(rig.chain.equivocations).toHaveLength(0);
  });

  it("a lost response followed by a retry treats 'Duplicated finality signature' as success", async () => {
    const rig = await setup();
    await settle(rig);
    rig.l2.tip = 135n;
    rig.chain.faults.push("apply-then-lose-response");
    const errors = await settle(rig);
    expect(errors).toHaveLength(1);
    expectVotedCurrentChain(rig, 100n, 135n);
    // The four re-sent votes came back as duplicates and were counted as confirmed, not as failures.
    const text = await rig.metrics.registry.metrics();
    expect(text).toMatch(/obf_provider_votes_confirmed_total 8/);
    expect(text).toMatch(/obf_provider_errors_total\{kind="submit"\} 1/);
  });

  it("catches up after downtime and reports the heights it could not vote on", async () => {
    const rig = await setup({ randomnessBatch: 30n, randomnessLookAhead: 20n });
    rig.l2.tip = 110n;
    await settle(rig); // randomness 100…245
    rig.crash();
    rig.l2.tip = 300n; // offline while the L2 moved on past the committed randomness
    await rig.restart();
    expect(rig.voter.status().catchUp).toEqual({ from: 115n, to: 300n });
    await settle(rig);
    // 115…245 had randomness and are voted late (the contract accepts them); 250…295 had none.
    expectVotedCurrentChain(rig, 115n, 245n);
    const missed = rig.voter.status().missed;
    expect(missed.map((m) => m.height)).toEqual(checked(250n, 295n));
    expect(missed.every((m) => m.reason === "no-randomness")).toBe(true);
    // Randomness was re-committed from the tip on, so the provider votes again from 300.
    expectVotedCurrentChain(rig, 300n, 300n);
    expect(rig.chain.equivocations).toHaveLength(0);
    expect(await rig.metrics.registry.metrics()).toMatch(
      /obf_provider_missed_heights_total\{reason="no-randomness"\} 10/,
    );
  });

  it("resumes from the highest of its journal, the contract's highest voted height and the configured start", async () => {
    const rig = await setup({ startHeight: 203n }, 90n);
    rig.l2.tip = 230n;
    await settle(rig);
    const votedHeights = rig.chain.submittedTxs.flat().map((v) => v.height);
    expect(Math.min(...votedHeights.map(Number))).toBe(205);
    expectVotedCurrentChain(rig, 205n, 230n);
  });

  it("skips and reports heights while it has no voting power", async () => {
    const rig = await setup();
    await settle(rig);
    rig.chain.power = false;
    rig.l2.tip = 110n;
    await settle(rig);
    rig.chain.power = true;
    rig.l2.tip = 120n;
    await settle(rig);
    expect(rig.voter.status().missed).toEqual([
      { height: 100n, reason: "no-voting-power" },
      { height: 105n, reason: "no-voting-power" },
      { height: 110n, reason: "no-voting-power" },
    ]);
    expectVotedCurrentChain(rig, 115n, 120n);
  });

  it("run() retries failures with exponential backoff and jitter, then recovers", async () => {
    const rig = await setup();
    const delays: number[] = [];
    rig.l2.down = true;
    const voter = rig.voter;
    // Replace the sleep through the deps object: record each delay, fix the L2 after 5 failures.
    (voter as unknown as { sleep: (ms: number) => Promise<void> }).sleep = async (ms: number) => {
      delays.push(ms);
      if (delays.length === 5) rig.l2.down = false;
      if (delays.length === 5) rig.l2.tip = 110n;
      if (delays.length === 8) voter.stop();
    };
    await voter.run();
    const failures = delays.slice(0, 5);
    // base 1 ms doubling, capped at 4 ms, each in [exp/2, exp].
    const caps = [1, 2, 4, 4, 4];
    failures.forEach((d, i) => {
      expect(d).toBeGreaterThanOrEqual(Math.round(caps[i]! / 2));
      expect(d).toBeLessThanOrEqual(caps[i]!);
    });
    expect(delays.slice(5)).toEqual([1, 1, 1]); // back to the poll interval after recovery
    expectVotedCurrentChain(rig, 100n, 110n);
    expect(await rig.metrics.registry.metrics()).toMatch(/obf_provider_errors_total\{kind="l2"\} 5/);
  });
});

describe("Voter journal upkeep", () => {
  it("compacts the sign journal below the resume point and keeps voting", async () => {
    const rig = await setup({ journalCompactAt: 10, journalKeep: 2n, randomnessBatch: 100n });
    rig.l2.tip = 200n;
    await settle(rig);
    expect(rig.guard.floor()).toBeGreaterThan(0n);
    expect(rig.guard.size).toBeLessThanOrEqual(10);
    rig.l2.tip = 230n;
    await settle(rig);
    expectVotedCurrentChain(rig, 100n, 230n);
    // Below the floor nothing can be signed any more.
    expect(rig.guard.check(100n, rig.l2.hashAt(100n))).toBe("pruned");
  });
});
