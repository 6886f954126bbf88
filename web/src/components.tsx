// Pieces every page uses: a query hook that reloads on reconnect, status badges, times, hashes, states.
import { useSignal } from "@preact/signals";
import type { ComponentChildren } from "preact";
import { useEffect, useRef, useState } from "preact/hooks";
import uPlot from "uplot";
import { connection, query } from "./api.ts";
import { absoluteTime, relativeTime, short } from "./format.ts";

export type Loaded<T> =
  | { state: "loading" }
  | { state: "error"; error: Error }
  | { state: "done"; data: T; refreshing: boolean };

/** Runs a query when its key changes and again after every reconnect (a restarted server is caught up with). */
export function useQuery<T>(text: string, variables: Record<string, unknown>, skip = false): Loaded<T> {
  const key = JSON.stringify(variables);
  const epoch = connection.value.epoch;
  const [loaded, setLoaded] = useState<Loaded<T>>({ state: "loading" });
  useEffect(() => {
    if (skip) return;
    let current = true;
    setLoaded((prev) => (prev.state === "done" ? { ...prev, refreshing: true } : { state: "loading" }));
    query<T>(text, variables).then(
      (data) => current && setLoaded({ state: "done", data, refreshing: false }),
      (error: Error) => current && setLoaded({ state: "error", error }),
    );
    return () => {
      current = false;
    };
  }, [text, key, epoch, skip]);
  return loaded;
}

export function Show<T>(props: {
  loaded: Loaded<T>;
  what: string;
  children: (data: T) => ComponentChildren;
}) {
  const { loaded } = props;
  if (loaded.state === "loading")
    return (
      <p class="muted" aria-busy="true">
        Loading {props.what}…
      </p>
    );
  if (loaded.state === "error") return <ErrorBox error={loaded.error} what={props.what} />;
  return <>{props.children(loaded.data)}</>;
}

export function ErrorBox(props: { error: Error; what: string }) {
  const offline = connection.value.state !== "open";
  return (
    <div class="notice error" role="alert">
      <strong>Cannot load {props.what}.</strong> {props.error.message}
      {offline ? " The connection to the gadget is down; the page reloads when it is back." : ""}
    </div>
  );
}

/** A relative time that ticks, with the absolute UTC time on hover. */
export function Time(props: { iso: string | null | undefined }) {
  const now = useSignal(Date.now());
  useEffect(() => {
    const timer = setInterval(() => {
      now.value = Date.now();
    }, 5_000);
    return () => clearInterval(timer);
  }, [now]);
  if (!props.iso) return <span>—</span>;
  return (
    <time dateTime={props.iso} title={absoluteTime(props.iso)}>
      {relativeTime(props.iso, now.value)}
    </time>
  );
}

export const STATUS_LABEL: Record<string, string> = {
  FINALIZED: "BTC-finalized",
  PENDING: "pending",
  NO_VOTING_POWER: "no voting power",
  NOT_ACTIVATED: "not activated",
  NOT_CHECKED: "not checked",
  ORPHANED: "orphaned",
  ACTIVE: "active",
  JAILED: "jailed",
  SLASHED: "slashed",
  INACTIVE: "inactive",
  BTC_FINALIZED: "BTC-finalized",
  SAFE: "safe",
};

export function Badge(props: { status: string }) {
  return (
    <span class={`badge s-${props.status.toLowerCase()}`}>{STATUS_LABEL[props.status] ?? props.status}</span>
  );
}

export function Hash(props: { value: string; href?: string; keep?: number }) {
  const text = short(props.value, props.keep ?? 10);
  return props.href ? (
    <a class="mono" href={props.href} title={props.value}>
      {text}
    </a>
  ) : (
    <span class="mono" title={props.value}>
      {text}
    </span>
  );
}

/** A scrolling table with a header row of column names; the rows are its children. */
export function Table(props: { columns: ComponentChildren[]; testid?: string; children: ComponentChildren }) {
  return (
    <div class="scroll">
      <table data-testid={props.testid}>
        <thead>
          <tr>
            {props.columns.map((c, i) => (
              <th key={i} scope="col">
                {c}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>{props.children}</tbody>
      </table>
    </div>
  );
}

/** A link to a provider's page, by its moniker or the start of its key. */
export function ProviderLink(props: { btcPk: string; moniker: string | null }) {
  return (
    <a href={`/providers/${props.btcPk}`} title={props.btcPk}>
      {props.moniker || `${props.btcPk.slice(0, 12)}…`}
    </a>
  );
}

export function Field(props: { label: string; children: ComponentChildren }) {
  return (
    <div class="field">
      <dt>{props.label}</dt>
      <dd>{props.children}</dd>
    </div>
  );
}

export interface Series {
  label: string;
  color: string;
  /** Which y axis: "left" or "right". */
  scale: "y" | "y2";
  unit: string;
}

/** A time chart (uPlot); x in unix seconds. Redrawn when the data changes, resized with its box. */
export function Chart(props: { title: string; series: Series[]; data: uPlot.AlignedData; height?: number }) {
  const box = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot>();
  const shape = props.series.map((s) => s.label).join("|");
  useEffect(() => {
    const el = box.current;
    if (!el) return;
    const axes: uPlot.Axis[] = [{ stroke: "#4b5563", grid: { stroke: "#e5e7eb" } }];
    const scales: uPlot.Scales = { x: { time: true } };
    for (const s of props.series) {
      if (scales[s.scale]) continue;
      scales[s.scale] = { auto: true, range: (_u, min, max) => [Math.min(0, min), Math.max(max, 1)] };
      axes.push({
        scale: s.scale,
        side: s.scale === "y" ? 3 : 1,
        stroke: s.color,
        grid: { show: s.scale === "y", stroke: "#e5e7eb" },
        values: (_u, ticks) => ticks.map((t) => `${t} ${s.unit}`),
        size: 70,
      });
    }
    const u = new uPlot(
      {
        width: el.clientWidth || 600,
        height: props.height ?? 220,
        scales,
        axes,
        series: [
          {},
          ...props.series.map((s) => ({ label: s.label, stroke: s.color, scale: s.scale, width: 2 })),
        ],
        legend: { show: true },
        cursor: { drag: { x: false, y: false } },
      },
      props.data,
      el,
    );
    plot.current = u;
    const observer = new ResizeObserver(() =>
      u.setSize({ width: el.clientWidth, height: props.height ?? 220 }),
    );
    observer.observe(el);
    return () => {
      observer.disconnect();
      u.destroy();
      plot.current = undefined;
    };
  }, [shape]);
  useEffect(() => {
    plot.current?.setData(props.data);
  }, [props.data]);
  return (
    <figure class="chart">
      <figcaption>{props.title}</figcaption>
      <div ref={box} role="img" aria-label={props.title} />
    </figure>
  );
}
