// The campaign's checker: each round it reads the chains (chain-facts.ts), recomputes what DESIGN.md's
// rules say for every checked block (rules.ts), reads the gadget's answers through its public surfaces
// (gadget-surfaces.ts) and holds them to invariants 1–6 of the issue. Convergence (7) is judged at the end
// by the campaign. Every mismatch becomes a violation carrying the block, the gadget's verdict, the facts
// and the checker's answer.
import { type BabylonFacts, type L2BlockFact, L2Facts } from "./chain-facts.ts";
import type { GadgetBlockVerdict, GadgetSurfaces } from "./gadget-surfaces.ts";
import type { UnreadableFault } from "./injectors.ts";
import {
  type BtcHeaderFact,
  babylonHeightAt,
  btcHeightAt,
  type CheckedBlockVerdict,
  consecutiveFinality,
  effectiveTime,
  isChecked,
  maxBigint,
  monotoneView,
  powerAt,
  type StakingParamsFact,
  type Tally,
  tally,
} from "./rules.ts";

export const INVARIANTS = [
  "1_never_unfinalized",
  "2_canonical",
  "3_quorum_and_consecutive",
  "4_liveness",
  "5_surfaces_agree",
  "6_no_equivocation",
  "7_convergence",
] as const;
export type Invariant = (typeof INVARIANTS)[number];

export interface Violation {
  invariant: Invariant;
  atMs: number;
  message: string;
  block?: { height: string; hash: string };
  verdict?: unknown;
  facts?: unknown;
  checker?: unknown;
}

/** Known differences reported apart from violations, each by its own rule-to-be (see the README). */
export interface KnownDifference {
  /**
   * btc_height_live_tip: evaluated live at the then-known tip, a higher BTC height by the complete header
   * chain.
   */
  category: "btc_height_live_tip";
  height: string;
  hash: string;
  gadgetBtcHeight: number | null;
  checkerBtcHeight: number | null;
  detail?: Record<string, string | null>;
}

export interface Expected {
  height: bigint;
  hash: string;
  btcHeight: number | null;
  babylonHeight: number | null;
  tally: Tally;
  voters: string[];
  /** Providers with power at the block's BTC height (jailed, slashed, not allow-listed ones left out). */
  counted: string[];
}

export interface CheckerOptions {
  l2RpcUrl: string;
  babylon: BabylonFacts;
  /** Providers the campaign slashed on purpose (not for their own behaviour). */
  slashedOnPurpose: () => ReadonlySet<string>;
  /** Unreadable power-changing events put on Babylon, and whether the operator's decision has started. */
  unreadableEvents: () => readonly UnreadableFault[];
  /** Faults off since this moment (ms since start), or null while faults run. */
  quietSince: () => number | null;
  /** How long a block the rules finalize may stay unfinalized once faults are off. */
  livenessBoundMs: number;
  now: () => number;
}

export class Checker {
  readonly checks: Record<Invariant, number> = Object.fromEntries(INVARIANTS.map((i) => [i, 0])) as Record<
    Invariant,
    number
  >;
  readonly violations: Violation[] = [];
  readonly knownDifferences = new Map<string, KnownDifference>();
  readonly l2: L2Facts;
  private grid: { activation: bigint; interval: bigint } | undefined;
  private params: StakingParamsFact | undefined;
  private view: BtcHeaderFact[] = [];
  /** height → hash the gadget first reported BTC-finalized. */
  private readonly everFinalized = new Map<bigint, string>();
  /** `${height}:${hash}` → when the recomputation first finalized it. */
  private readonly expectedSince = new Map<string, number>();
  /** Settled recomputations (the block is below the recomputed finality frontier): not read again. */
  private readonly settled = new Map<string, Expected>();
  private readonly reported = new Set<string>();
  expectedFinalized = 0n;
  /** Completed recomputations: a caller waits for one that began after it acted. */
  recomputations = 0;
  gadgetFinalized = 0n;
  /** The last round's recomputation and the gadget's answers, for a report's context. */
  lastExpected = new Map<bigint, Expected>();
  lastVerdicts = new Map<bigint, GadgetBlockVerdict>();

  constructor(private readonly options: CheckerOptions) {
    this.l2 = new L2Facts(options.l2RpcUrl);
  }

  get activation(): bigint {
    return this.grid?.activation ?? 0n;
  }

  private violate(v: Omit<Violation, "atMs">): void {
    // One report per invariant, block and kind of finding: a stuck wrong answer is one finding, not one per
    // round, but a block with a wrong tally that is also finalized without quorum has two (the message with
    // its numbers blanked is the kind).
    const kind = v.message.replace(/\d+/g, "#");
    const key = `${v.invariant}:${v.block?.height ?? ""}:${v.block?.hash ?? ""}:${kind}`;
    if (this.reported.has(key)) return;
    this.reported.add(key);
    this.violations.push({ ...v, atMs: this.options.now() });
  }

  /** Reads the chains and recomputes every checked block's verdict. */
  async recompute(): Promise<{ expected: Map<bigint, Expected>; finalized: Set<bigint> }> {
    const babylon = this.options.babylon;
    this.grid ??= await babylon.grid();
    this.params ??= await babylon.stakingParams();
    await babylon.sync();
    this.view = monotoneView(await babylon.btcHeaders());
    const { activation, interval } = this.grid;
    const lastKnown = maxBigint(activation, ...this.l2.blocks.keys());
    await this.l2.sync(maxBigint(activation, lastKnown - 64n));
    const expected = new Map<bigint, Expected>();
    const checked: CheckedBlockVerdict[] = [];
    const heights = [...this.l2.blocks.keys()]
      .filter((h) => isChecked(h, activation, interval))
      .sort((a, b) => (a < b ? -1 : 1));
    for (const h of heights) {
      const block = this.l2.blocks.get(h)!;
      const e = this.settled.get(`${h}:${block.hash}`) ?? (await this.expectedFor(block));
      expected.set(h, e);
      checked.push({ height: h, hash: e.hash, quorum: e.tally.quorum, total: e.tally.total });
    }
    const finalized = consecutiveFinality(checked, (a, b) => this.l2.isAncestor(a, b));
    let top = 0n;
    for (const h of finalized) {
      if (h > top) top = h;
      const e = expected.get(h)!;
      const key = `${h}:${e.hash}`;
      if (!this.expectedSince.has(key)) this.expectedSince.set(key, this.options.now());
    }
    // Below the frontier less one interval nothing the checker reads changes any more: keep those answers.
    for (const h of finalized) {
      const e = expected.get(h)!;
      if (h + interval < top) this.settled.set(`${h}:${e.hash}`, e);
    }
    this.expectedFinalized = top;
    this.recomputations++;
    return { expected, finalized };
  }

  /** The recomputed tally of one checked block at the BTC height the rules give it. */
  async expectedFor(block: L2BlockFact, btcHeight?: number | null): Promise<Expected> {
    const babylon = this.options.babylon;
    const h = btcHeight === undefined ? btcHeightAt(this.view, block.timestamp) : btcHeight;
    const voters = await babylon.blockVoters(block.height, block.hash);
    if (h === null) {
      return {
        height: block.height,
        hash: block.hash,
        btcHeight: null,
        babylonHeight: null,
        voters,
        counted: [],
        tally: tally(new Map(), voters),
      };
    }
    const eff = effectiveTime(this.view, h);
    const babylonHeight = eff === null ? null : babylonHeightAt(babylon.blocks, eff);
    const allowlist = babylonHeight === null ? new Set<string>() : await babylon.allowlistAt(babylonHeight);
    const power = powerAt(h, {
      providers: babylon.providers,
      delegations: [...babylon.delegations.values()],
      params: this.params!,
      allowlist,
      babylonHeight: babylonHeight ?? 0,
    });
    return {
      height: block.height,
      hash: block.hash,
      btcHeight: h,
      babylonHeight,
      voters,
      counted: [...power.keys()],
      tally: tally(power, voters),
    };
  }

  /** One round: recompute, read the gadget, check invariants 1–6. */
  async round(gadget: GadgetSurfaces): Promise<void> {
    const { expected, finalized } = await this.recompute();
    const { activation, interval } = this.grid!;
    const verdicts = await gadget.blocks(activation);
    const byHeight = new Map(verdicts.map((v) => [v.height, v]));
    this.lastExpected = expected;
    this.lastVerdicts = byHeight;
    const now = this.options.now();
    let gadgetTop = 0n;
    for (const v of verdicts) if (v.btcFinalized && v.height > gadgetTop) gadgetTop = v.height;
    this.gadgetFinalized = gadgetTop;

    // 1: once finalized, always finalized with the same hash.
    for (const [height, hash] of this.everFinalized) {
      const v = byHeight.get(height);
      this.checks["1_never_unfinalized"]++;
      if (v === undefined || !v.btcFinalized || v.hash !== hash) {
        this.violate({
          invariant: "1_never_unfinalized",
          message: `block ${height} was reported BTC-finalized with hash ${hash} and now is ${v === undefined ? "missing" : `${v.status} ${v.hash}`}`,
          block: { height: String(height), hash },
          verdict: v === undefined ? null : serialize(v),
        });
      }
    }
    for (const v of verdicts)
      if (v.btcFinalized && !this.everFinalized.has(v.height)) this.everFinalized.set(v.height, v.hash);

    for (const v of verdicts) {
      if (!v.btcFinalized) continue;
      // 2: on the canonical chain (read after the gadget's answer, so a reorg the gadget has not seen yet shows).
      const canon = this.l2.blocks.get(v.height);
      this.checks["2_canonical"]++;
      if (canon !== undefined && canon.hash !== v.hash) {
        this.violate({
          invariant: "2_canonical",
          message: `BTC-finalized block ${v.height} ${v.hash} is not canonical (L2 has ${canon.hash})`,
          block: { height: String(v.height), hash: v.hash },
          verdict: serialize(v),
          facts: { canonical: canon },
        });
      }
      // 3: quorum by the recomputation and consecutive finality.
      this.checks["3_quorum_and_consecutive"]++;
      if (!isChecked(v.height, activation, interval)) {
        const next = v.height + interval - ((v.height - activation) % interval);
        const nv = byHeight.get(next);
        if (v.height > activation && !(nv?.btcFinalized ?? false)) {
          this.violate({
            invariant: "3_quorum_and_consecutive",
            message: `block ${v.height} between checked heights is BTC-finalized but the next checked block ${next} is not`,
            block: { height: String(v.height), hash: v.hash },
            verdict: serialize(v),
            facts: { next: nv === undefined ? null : serialize(nv) },
          });
        }
        continue;
      }
      if (canon === undefined || canon.hash !== v.hash) continue; // reported under 2
      let e = expected.get(v.height);
      if (e === undefined) continue;
      if (v.btcHeight !== e.btcHeight) {
        this.knownDifferences.set(`${v.height}:${v.hash}`, {
          category: "btc_height_live_tip",
          height: String(v.height),
          hash: v.hash,
          gadgetBtcHeight: v.btcHeight,
          checkerBtcHeight: e.btcHeight,
        });
        // The gadget's BTC height is judged as the view it had: lower than the complete chain's, never higher.
        if (v.btcHeight !== null && (e.btcHeight === null || v.btcHeight < e.btcHeight)) {
          e = await this.expectedFor(canon, v.btcHeight);
        }
      }
      // The gadget's tally must be the recomputed one (a vote it should not count shows here first). Its voted
      // power counts votes up to the Babylon block that completed the quorum, which the contract's voters do
      // not tell: it may be below theirs, never above.
      const matches = (x: Expected) =>
        v.btcHeight !== x.btcHeight ||
        ((v.votedPower === null || v.votedPower <= x.tally.voted) &&
          (v.totalPower === null || v.totalPower === x.tally.total));
      let samePower = matches(e);
      if (!samePower) {
        // A settled answer keeps the voters it read then, and the gadget may decide later than the
        // recomputation (its evaluation waits for the next BTC header): read the voters again before
        // reporting a difference (seed r5: a late vote counted by the gadget, missing from the cache).
        e = await this.expectedFor(canon, e.btcHeight);
        samePower = matches(e);
      }
      const recomputed = {
        voters: e.voters,
        counted: e.counted,
        btcHeight: e.btcHeight,
        babylonHeight: e.babylonHeight,
      };
      if (!samePower) {
        this.violate({
          invariant: "3_quorum_and_consecutive",
          message: `block ${v.height}: the gadget's tally (voted ${v.votedPower} of ${v.totalPower}) is not the recomputed one (voted ${e.tally.voted} of ${e.tally.total} at BTC height ${e.btcHeight})`,
          block: { height: String(v.height), hash: v.hash },
          verdict: serialize(v),
          facts: recomputed,
          checker: serializeTally(e.tally),
        });
      }
      if (!e.tally.quorum) {
        this.violate({
          invariant: "3_quorum_and_consecutive",
          message: `block ${v.height} is BTC-finalized without quorum by the recomputation (voted ${e.tally.voted} of ${e.tally.total} at BTC height ${e.btcHeight})`,
          block: { height: String(v.height), hash: v.hash },
          verdict: serialize(v),
          facts: recomputed,
          checker: serializeTally(e.tally),
        });
      }
      const prevHeight = v.height - interval;
      const firstChecked = [...expected.values()].find((x) => x.tally.total > 0n)?.height ?? activation;
      if (v.height > firstChecked) {
        const pv = byHeight.get(prevHeight);
        const pc = this.l2.blocks.get(prevHeight);
        if (!pv?.btcFinalized || pc === undefined || !this.l2.isAncestor(pc, canon)) {
          this.violate({
            invariant: "3_quorum_and_consecutive",
            message: `block ${v.height} is BTC-finalized but the previous checked block ${prevHeight} is ${pv?.btcFinalized ? "not its ancestor" : "not finalized"}`,
            block: { height: String(v.height), hash: v.hash },
            verdict: serialize(v),
            facts: { previous: pv === undefined ? null : serialize(pv) },
          });
        }
      }
    }

    // 4: what the rules finalize is finalized within the bound once faults are off.
    const quiet = this.options.quietSince();
    if (quiet !== null) {
      for (const h of finalized) {
        const e = expected.get(h)!;
        const since = Math.max(this.expectedSince.get(`${h}:${e.hash}`) ?? now, quiet);
        this.checks["4_liveness"]++;
        const v = byHeight.get(h);
        if (!(v?.btcFinalized && v.hash === e.hash) && now - since > this.options.livenessBoundMs) {
          this.violate({
            invariant: "4_liveness",
            message: `block ${h} has quorum by the recomputation and is still not BTC-finalized ${Math.round((now - since) / 1000)} s after faults stopped`,
            block: { height: String(h), hash: e.hash },
            verdict: v === undefined ? null : serialize(v),
            checker: { ...serializeTally(e.tally), btcHeight: e.btcHeight },
          });
        }
      }
    }

    // 6: no honest provider equivocated or was slashed for its own behaviour.
    await this.checkEquivocation();
  }

  private async checkEquivocation(): Promise<void> {
    const babylon = this.options.babylon;
    this.checks["6_no_equivocation"]++;
    for (const s of babylon.equivocationSlashes) {
      this.violate({
        invariant: "6_no_equivocation",
        message: `provider ${s.btcPkHex} was slashed for equivocation at Babylon height ${s.babylonHeight}`,
        facts: s,
      });
    }
    // Nothing finalized across an unreadable event that can change power, until the operator decides: the
    // finalized head's timestamp stays before the event's Babylon block. (Read after this round's verdicts, so
    // a decision not started now had not started when they were read.)
    const top = this.l2.blocks.get(this.gadgetFinalized);
    for (const u of this.options.unreadableEvents()) {
      if (u.babylonHeight === null || u.skipStartedAtMs !== null || top === undefined) continue;
      const block = babylon.blocks.find((b) => b.height === u.babylonHeight);
      if (block !== undefined && top.timestamp >= block.time)
        this.violate({
          invariant: "6_no_equivocation",
          message: `block ${top.height} (time ${top.timestamp}) is BTC-finalized across the unreadable power-changing event at Babylon height ${u.babylonHeight} (time ${block.time})`,
          block: { height: String(top.height), hash: top.hash },
        });
    }
    const onPurpose = this.options.slashedOnPurpose();
    for (const [pk, at] of babylon.slashStatus) {
      if (!onPurpose.has(pk))
        this.violate({
          invariant: "6_no_equivocation",
          message: `provider ${pk} was slashed at Babylon height ${at} without the campaign slashing it`,
        });
    }
    // Two hashes seen at one checked height: no provider may have voted for both.
    const { activation, interval } = this.grid!;
    for (const [h, hashes] of this.l2.seenHashes) {
      if (hashes.size < 2 || !isChecked(h, activation, interval)) continue;
      const votersByHash = await Promise.all([...hashes].map((x) => babylon.blockVoters(h, x)));
      const seen = new Map<string, string>();
      [...hashes].forEach((hash, i) => {
        for (const pk of votersByHash[i]!) {
          const other = seen.get(pk);
          if (other !== undefined && other !== hash)
            this.violate({
              invariant: "6_no_equivocation",
              message: `provider ${pk} voted for two blocks at height ${h}: ${other} and ${hash}`,
              block: { height: String(h), hash },
            });
          seen.set(pk, hash);
        }
      });
    }
  }

  /** 5: the range query, GraphQL and REST say the same finalized height (sampled while it stands still). */
  async checkSurfaces(gadget: GadgetSurfaces): Promise<void> {
    const before = await gadget.restFinalizedHeight();
    const gql = await gadget.graphqlFinalizedHeight();
    const activation = this.activation;
    const head = maxBigint(activation, ...this.l2.blocks.keys());
    const from = maxBigint(activation, gql - 500n);
    const range: L2BlockFact[] = [];
    for (let h = from; h <= head; h++) {
      const b = this.l2.blocks.get(h);
      if (b === undefined) break;
      range.push(b);
    }
    const grpc = range.length === 0 ? 0n : await gadget.rangeFinalized(range);
    const after = await gadget.restFinalizedHeight();
    // Finality moved while sampling, or the L2 view is behind the gadget: no comparable sample.
    if (before !== after || gql !== before || gql > head) return;
    this.checks["5_surfaces_agree"]++;
    if (grpc !== gql && !(grpc === 0n && gql < from)) {
      this.violate({
        invariant: "5_surfaces_agree",
        message: `surfaces disagree: gRPC range query ${grpc}, GraphQL ${gql}, REST ${before}`,
        verdict: { grpc: String(grpc), graphql: String(gql), rest: String(before), rangeFrom: String(from) },
      });
    }
  }
}

export function serialize(v: GadgetBlockVerdict): Record<string, unknown> {
  return {
    height: String(v.height),
    hash: v.hash,
    status: v.status,
    btcFinalized: v.btcFinalized,
    checked: v.checked,
    btcHeight: v.btcHeight,
    votedPower: v.votedPower === null ? null : String(v.votedPower),
    totalPower: v.totalPower === null ? null : String(v.totalPower),
  };
}

export function serializeTally(t: Tally): Record<string, string | boolean> {
  return { voted: String(t.voted), total: String(t.total), quorum: t.quorum };
}
