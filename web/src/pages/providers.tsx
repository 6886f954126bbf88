// Finality providers: the list with power, status and participation, and one provider's page with its misses,
// randomness commitments (and how far ahead they reach), delegations, equivocation evidence and power over time.
import { useMemo } from "preact/hooks";
import type uPlot from "uplot";
import { Badge, Chart, Field, Hash, ProviderLink, Show, Table, Time, useQuery } from "../components.tsx";
import { btc, commission, num, percent } from "../format.ts";
import { pathname } from "../router.ts";

const WINDOW = 100;

interface Participation {
  window: number;
  checkedBlocks: number;
  votedBlocks: number;
  missedBlocks: number;
  pendingBlocks: number;
  rate: number | null;
}
interface ProviderRow {
  btcPk: string;
  description: { moniker: string | null };
  status: string;
  votingPower: string;
  highestVotedHeight: string | null;
  participation: Participation;
}

const LIST = `query Providers($window: Int!) {
  finalityProviders(first: 200) {
    edges { node { btcPk description { moniker } status votingPower highestVotedHeight
      participation(window: $window) { window checkedBlocks votedBlocks missedBlocks pendingBlocks rate } } }
  }
}`;

export function Providers() {
  const list = useQuery<{ finalityProviders: { edges: { node: ProviderRow }[] } }>(LIST, { window: WINDOW });
  return (
    <>
      <h1>Finality providers</h1>
      <Show loaded={list} what="finality providers">
        {(data) =>
          data.finalityProviders.edges.length === 0 ? (
            <p class="notice">No finality provider is registered for this BSN yet.</p>
          ) : (
            <Table
              columns={[
                "Provider",
                "Status",
                "Voting power",
                `Participation (last ${WINDOW} checked)`,
                "Highest vote",
              ]}
            >
              {data.finalityProviders.edges.map(({ node: p }) => (
                <tr key={p.btcPk}>
                  <td>
                    <ProviderLink btcPk={p.btcPk} moniker={p.description.moniker} />
                  </td>
                  <td>
                    <Badge status={p.status} />
                  </td>
                  <td class="num">{btc(p.votingPower)}</td>
                  <td class="num">
                    {percent(p.participation.rate)} ({num(p.participation.missedBlocks)} missed)
                  </td>
                  <td class="num">{num(p.highestVotedHeight)}</td>
                </tr>
              ))}
            </Table>
          )
        }
      </Show>
    </>
  );
}

interface ProviderDetail extends ProviderRow {
  addr: string | null;
  commission: string | null;
  jailed: boolean;
  slashedBabylonHeight: string | null;
  slashedBtcHeight: number | null;
  registeredBabylonHeight: string | null;
  description: {
    moniker: string | null;
    website: string | null;
    details: string | null;
    identity: string | null;
  };
  missedCheckedHeights: string[];
  pendingCheckedHeights: string[];
  randomnessCommits: {
    edges: {
      node: {
        startHeight: string;
        endHeight: string;
        numPubRand: string;
        babylonHeight: string;
        txHash: string;
      };
    }[];
  };
  delegations: {
    edges: {
      node: {
        stakingTxHash: string;
        status: string;
        totalSat: string;
        startHeight: number;
        endHeight: number;
        stakerAddr: string | null;
      };
    }[];
  };
  votes: { edges: { node: { height: string; babylonTime: string; votingPower: string | null } }[] };
}
interface ProviderData {
  finalityProvider: ProviderDetail | null;
  equivocations: {
    edges: {
      node: {
        height: string;
        babylonHeight: string;
        canonicalBlockHash: string;
        forkBlockHash: string;
        txHash: string | null;
      };
    }[];
  };
  syncStatus: { l2HeadHeight: string | null };
}

const DETAIL = `query Provider($pk: String!, $window: Int!) {
  finalityProvider(btcPk: $pk) {
    btcPk addr commission jailed status votingPower highestVotedHeight registeredBabylonHeight
    slashedBabylonHeight slashedBtcHeight
    description { moniker website details identity }
    participation(window: $window) { window checkedBlocks votedBlocks missedBlocks pendingBlocks rate }
    missedCheckedHeights(first: 20)
    pendingCheckedHeights(first: 20)
    randomnessCommits(first: 5) { edges { node { startHeight endHeight numPubRand babylonHeight txHash } } }
    delegations(first: 50) { edges { node { stakingTxHash status totalSat startHeight endHeight stakerAddr } } }
    votes(first: 300) { edges { node { height babylonTime votingPower } } }
  }
  equivocations(first: 20, where: { fpBtcPk: $pk }) {
    edges { node { height babylonHeight canonicalBlockHash forkBlockHash txHash } }
  }
  syncStatus { l2HeadHeight }
}`;

export function ProviderView() {
  const pk = decodeURIComponent(pathname().slice("/providers/".length)).toLowerCase();
  const valid = /^[0-9a-f]{64}$/.test(pk);
  const loaded = useQuery<ProviderData>(DETAIL, { pk, window: WINDOW }, !valid);
  const votes = loaded.state === "done" ? loaded.data.finalityProvider?.votes.edges : undefined;
  const powerSeries = useMemo<uPlot.AlignedData>(() => {
    const points = (votes ?? [])
      .map((e) => e.node)
      .filter((v) => v.votingPower !== null)
      .map((v) => [Date.parse(v.babylonTime) / 1000, Number(BigInt(v.votingPower!)) / 1e8] as const)
      .sort((a, b) => a[0] - b[0]);
    return [points.map((p) => p[0]), points.map((p) => p[1])];
  }, [votes]);
  if (!valid) return <p class="notice error">“{pk}” is not a 64-hex-digit x-only BTC public key.</p>;
  return (
    <Show loaded={loaded} what="the finality provider">
      {({ finalityProvider: p, equivocations, syncStatus }) => {
        if (!p) return <p class="notice">No finality provider with key {pk} is registered for this BSN.</p>;
        const commits = p.randomnessCommits.edges.map((e) => e.node);
        const reach = commits.reduce((max, c) => (BigInt(c.endHeight) > max ? BigInt(c.endHeight) : max), 0n);
        const head = syncStatus.l2HeadHeight ? BigInt(syncStatus.l2HeadHeight) : 0n;
        return (
          <>
            <h1>
              {p.description.moniker || "Finality provider"} <Badge status={p.status} />
            </h1>
            <dl class="details">
              <Field label="BTC public key">
                <span class="mono" data-testid="provider-pk">
                  {p.btcPk}
                </span>
              </Field>
              <Field label="Babylon address">{p.addr ?? "—"}</Field>
              <Field label="Voting power">{btc(p.votingPower)}</Field>
              <Field label="Commission">{commission(p.commission)}</Field>
              <Field label={`Participation (last ${p.participation.window} checked)`}>
                {percent(p.participation.rate)}: {num(p.participation.votedBlocks)} voted,{" "}
                {num(p.participation.missedBlocks)} missed, {num(p.participation.pendingBlocks)} pending of{" "}
                {num(p.participation.checkedBlocks)}
              </Field>
              <Field label="Highest vote">{num(p.highestVotedHeight)}</Field>
              <Field label="Randomness reaches">
                {reach > 0n
                  ? `L2 height ${num(reach)} (${num(reach - head)} blocks ahead of the head)`
                  : "no commitment yet"}
              </Field>
              {p.slashedBabylonHeight && (
                <Field label="Slashed">
                  at Babylon height {num(p.slashedBabylonHeight)}, BTC height {num(p.slashedBtcHeight)}
                </Field>
              )}
              {p.description.website && <Field label="Website">{p.description.website}</Field>}
            </dl>
            {equivocations.edges.length > 0 && (
              <section class="notice danger" aria-label="Equivocation evidence">
                <h2>Equivocation evidence</h2>
                <ul>
                  {equivocations.edges.map(({ node: e }) => (
                    <li key={`${e.height}-${e.forkBlockHash}`}>
                      L2 height <a href={`/blocks/${e.height}`}>{num(e.height)}</a>: signed{" "}
                      <Hash value={e.canonicalBlockHash} /> and fork <Hash value={e.forkBlockHash} /> (Babylon{" "}
                      {num(e.babylonHeight)})
                    </li>
                  ))}
                </ul>
              </section>
            )}
            <Chart
              title="Voting power over time (at its votes)"
              series={[{ label: "power (BTC)", color: "#b45309", scale: "y", unit: "" }]}
              data={powerSeries}
              height={180}
            />
            <h2>Missed checked heights</h2>
            <p class="muted">
              A checked height is missed once the vote can no longer count: the block is BTC-finalized without
              it, the provider has voted a higher height, or a minute has passed. Until then it is pending
              {p.pendingCheckedHeights.length > 0
                ? `: ${p.pendingCheckedHeights.map((h) => num(h)).join(", ")}`
                : " (none now)"}
              .
            </p>
            {p.missedCheckedHeights.length === 0 ? (
              <p class="muted">None.</p>
            ) : (
              <p class="heights-list">
                {p.missedCheckedHeights.map((h) => (
                  <a key={h} href={`/blocks/${h}`}>
                    {num(h)}
                  </a>
                ))}
              </p>
            )}
            <h2>Randomness commitments</h2>
            {commits.length === 0 ? (
              <p class="muted">None yet: the provider cannot vote until it commits public randomness.</p>
            ) : (
              <Table columns={["From height", "To height", "Values", "Babylon height", "Tx"]}>
                {commits.map((c) => (
                  <tr key={c.txHash + c.startHeight}>
                    <td class="num">{num(c.startHeight)}</td>
                    <td class="num">{num(c.endHeight)}</td>
                    <td class="num">{num(c.numPubRand)}</td>
                    <td class="num">{num(c.babylonHeight)}</td>
                    <td>
                      <Hash value={c.txHash} keep={8} />
                    </td>
                  </tr>
                ))}
              </Table>
            )}
            <h2>Delegations</h2>
            {p.delegations.edges.length === 0 ? (
              <p class="muted">No BTC delegation to this provider.</p>
            ) : (
              <Table columns={["Staking tx", "Status", "Amount", "BTC heights"]}>
                {p.delegations.edges.map(({ node: d }) => (
                  <tr key={d.stakingTxHash}>
                    <td>
                      <Hash value={d.stakingTxHash} keep={8} />
                    </td>
                    <td>{d.status}</td>
                    <td class="num">{btc(d.totalSat)}</td>
                    <td class="num">
                      {num(d.startHeight)} – {num(d.endHeight)}
                    </td>
                  </tr>
                ))}
              </Table>
            )}
            <p class="muted">
              Latest vote: {p.votes.edges[0] ? <Time iso={p.votes.edges[0].node.babylonTime} /> : "none"}
            </p>
          </>
        );
      }}
    </Show>
  );
}
