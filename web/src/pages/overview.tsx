// The overview: where each head is, how far BTC finality trails, the latest blocks by status, the health of
// each ingester and any safety incident. Live over the subscription: every finalized block and every vote
// triggers one reload (at most one a second); nothing polls while the socket is up.
import { useEffect, useMemo, useRef, useState } from "preact/hooks";
import type uPlot from "uplot";
import { connection, query, subscribe } from "../api.ts";
import { Badge, Chart, ErrorBox, Field, STATUS_LABEL, Table, Time, useQuery } from "../components.tsx";
import { num, seconds } from "../format.ts";

interface Status {
  l2HeadHeight: string | null;
  l2SafeHeight: string | null;
  l2FinalizedHeight: string | null;
  btcFinalizedHeight: string | null;
  babylonHeight: string | null;
  btcTipHeight: number | null;
  lagBlocks: string | null;
  lagSeconds: number | null;
  ready: boolean;
  notReadyReasons: string[];
  activated: boolean;
  activatedHeight: string | null;
  evaluatedHeight: string | null;
  l2IngestedHeight: string | null;
  components: { name: string; state: string; detail: string | null; lastProgressAt: string | null }[];
  safetyIncidents: { id: number; kind: string; height: string | null; details: string; detectedAt: string }[];
}
interface StripBlock {
  height: string;
  hash: string;
  status: string;
  time: string;
}
interface Live {
  syncStatus: Status;
  blocks: { edges: { node: StripBlock }[] };
}

const LIVE = `query Overview {
  syncStatus { l2HeadHeight l2SafeHeight l2FinalizedHeight btcFinalizedHeight babylonHeight btcTipHeight lagBlocks
    lagSeconds ready notReadyReasons activated activatedHeight evaluatedHeight l2IngestedHeight
    components { name state detail lastProgressAt }
    safetyIncidents { id kind height details detectedAt } }
  blocks(first: 60, orderBy: HEIGHT_DESC, where: { checked: true }) { edges { node { height hash status time } } }
}`;

const HISTORY = `query LagHistory {
  blocks(first: 1000, orderBy: HEIGHT_DESC, where: { checked: true }) {
    edges { node { height timestamp status finalizedAt timeToFinalitySeconds } }
  }
}`;
interface HistoryBlock {
  height: string;
  timestamp: string;
  status: string;
  finalizedAt: string | null;
  timeToFinalitySeconds: number | null;
}

const HOUR = 3600;

/** Lag at each finalization in the last hour: seconds from the block's time, blocks behind the head then. */
function lagHistory(blocks: HistoryBlock[], nowSec: number): [number[], number[], number[]] {
  const asc = [...blocks].sort((a, b) => Number(BigInt(a.height) - BigInt(b.height)));
  const xs: number[] = [];
  const lagBlocks: number[] = [];
  const lagSecs: number[] = [];
  let head = 0;
  const finalized = asc.filter((b) => b.finalizedAt !== null && b.timeToFinalitySeconds !== null);
  for (const b of finalized) {
    const at = Date.parse(b.finalizedAt!) / 1000;
    if (at < nowSec - HOUR) continue;
    // The head when b was finalized: the newest checked block already produced by then.
    while (head + 1 < asc.length && Number(asc[head + 1]!.timestamp) <= at) head += 1;
    xs.push(at);
    lagSecs.push(b.timeToFinalitySeconds!);
    lagBlocks.push(Math.max(0, Number(asc[head]!.height) - Number(b.height)));
  }
  return [xs, lagBlocks, lagSecs];
}

export function Overview() {
  const epoch = connection.value.epoch;
  const [live, setLive] = useState<Live | undefined>();
  const [error, setError] = useState<Error | undefined>();

  const livePoints = useRef<[number, number, number][]>([]);
  const [liveTick, setLiveTick] = useState(0);
  // The chart's thousand rows wait for the heights, which are what a visitor reads first.
  const history = useQuery<{ blocks: { edges: { node: HistoryBlock }[] } }>(HISTORY, {}, live === undefined);

  useEffect(() => {
    let pending = false;
    let last = 0;
    let timer: ReturnType<typeof setTimeout> | undefined;
    let active = true;
    const load = () => {
      pending = false;
      last = Date.now();
      query<Live>(LIVE).then(
        (data) => {
          if (!active) return;
          setLive(data);
          setError(undefined);
          const s = data.syncStatus;
          if (s.lagBlocks !== null && s.lagSeconds !== null) {
            livePoints.current.push([Date.now() / 1000, Number(s.lagBlocks), s.lagSeconds]);
            setLiveTick((t) => t + 1);
          }
        },
        (e: Error) => active && setError(e),
      );
    };
    const schedule = () => {
      if (pending) return;
      pending = true;
      timer = setTimeout(load, Math.max(0, 1_000 - (Date.now() - last)));
    };
    load();
    const stops = [
      subscribe("subscription { finalizedBlocks { height } }", {}, schedule),
      subscribe("subscription { finalitySignatures { height } }", {}, schedule),
    ];
    return () => {
      active = false;
      clearTimeout(timer);
      for (const stop of stops) stop();
    };
  }, [epoch]);

  const chartData = useMemo<uPlot.AlignedData>(() => {
    const now = Date.now() / 1000;
    const base =
      history.state === "done"
        ? lagHistory(
            history.data.blocks.edges.map((e) => e.node),
            now,
          )
        : [[], [], []];
    const [xs, lb, ls] = base.map((a) => [...a]) as [number[], number[], number[]];
    const lastX = xs.at(-1) ?? 0;
    for (const [x, b, s] of livePoints.current) {
      if (x <= lastX || x < now - HOUR) continue;
      xs.push(x);
      lb.push(b);
      ls.push(s);
    }
    return [xs, lb, ls];
  }, [history, liveTick]);

  if (!live) {
    return error ? (
      <ErrorBox error={error} what="the sync status" />
    ) : (
      <p class="muted">Loading the sync status…</p>
    );
  }
  const s = live.syncStatus;
  const strip = [...live.blocks.edges.map((e) => e.node)].reverse();
  return (
    <>
      <h1>Finality overview</h1>
      {s.safetyIncidents.length > 0 && (
        <section class="notice danger" role="alert" aria-label="Safety incidents">
          <h2>Safety incident{s.safetyIncidents.length > 1 ? "s" : ""}</h2>
          <ul>
            {s.safetyIncidents.map((i) => (
              <li key={i.id}>
                <strong>{i.kind}</strong>
                {i.height ? (
                  <>
                    {" "}
                    at <a href={`/blocks/${i.height}`}>L2 height {num(i.height)}</a>
                  </>
                ) : null}
                : {i.details} (detected <Time iso={i.detectedAt} />)
              </li>
            ))}
          </ul>
        </section>
      )}
      {!s.activated && (
        <p class="notice">
          BTC staking is not activated
          {s.activatedHeight
            ? ` until L2 height ${num(s.activatedHeight)}`
            : " yet (the contract reports no activation)"}
          : blocks before it are finalized by L1 alone.
        </p>
      )}
      {!s.ready && s.notReadyReasons.length > 0 && (
        <p class="notice warn">Indexer catching up: {s.notReadyReasons.join("; ")}</p>
      )}
      <dl class="heights" aria-label="Heights">
        <Field label="L2 head">
          <a href={s.l2HeadHeight ? `/blocks/${s.l2HeadHeight}` : undefined}>{num(s.l2HeadHeight)}</a>
        </Field>
        <Field label="L2 safe">{num(s.l2SafeHeight)}</Field>
        <Field label="L2 finalized">{num(s.l2FinalizedHeight)}</Field>
        <Field label="BTC-finalized">
          <span data-testid="btc-finalized-height">
            {s.btcFinalizedHeight ? (
              <a href={`/blocks/${s.btcFinalizedHeight}`}>{num(s.btcFinalizedHeight)}</a>
            ) : (
              "—"
            )}
          </span>
        </Field>
        <Field label="Babylon height">{num(s.babylonHeight)}</Field>
        <Field label="BTC tip">{num(s.btcTipHeight)}</Field>
        <Field label="Finality lag">
          {num(s.lagBlocks)} blocks · {seconds(s.lagSeconds)}
        </Field>
      </dl>
      <section aria-labelledby="strip-title">
        <h2 id="strip-title">Latest checked blocks</h2>
        <ol class="strip">
          {strip.map((b) => (
            <li key={b.hash}>
              <a
                class={`cell s-${b.status.toLowerCase()}`}
                href={`/blocks/${b.height}`}
                title={`${num(b.height)}: ${STATUS_LABEL[b.status] ?? b.status}`}
              >
                <span class="sr-only">
                  Block {num(b.height)}, {STATUS_LABEL[b.status] ?? b.status}
                </span>
              </a>
            </li>
          ))}
        </ol>
        <p class="legend">
          {["FINALIZED", "PENDING", "NO_VOTING_POWER", "NOT_ACTIVATED", "ORPHANED"].map((st) => (
            <Badge key={st} status={st} />
          ))}
        </p>
      </section>
      <Chart
        title="Finality lag over the last hour"
        series={[
          { label: "lag (blocks)", color: "#b45309", scale: "y", unit: "" },
          { label: "lag (seconds)", color: "#1d4ed8", scale: "y2", unit: "s" },
        ]}
        data={chartData}
      />
      <section aria-labelledby="health-title">
        <h2 id="health-title">Ingesters</h2>
        <Table columns={["Component", "State", "Last progress", "Detail"]}>
          {s.components.map((c) => (
            <tr key={c.name}>
              <td>{c.name}</td>
              <td>
                <span class={`badge h-${c.state.toLowerCase()}`}>{c.state}</span>
              </td>
              <td>
                <Time iso={c.lastProgressAt} />
              </td>
              <td>{c.detail ?? ""}</td>
            </tr>
          ))}
        </Table>
      </section>
    </>
  );
}
