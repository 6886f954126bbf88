// Blocks: a paged list filtered by status and height, and one block's verdict with its audit trail (every
// provider that had power at the block's BTC height, whether it voted, its power, its signature's Babylon tx).
import {
  Badge,
  Field,
  Hash,
  ProviderLink,
  Show,
  STATUS_LABEL,
  Table,
  Time,
  useQuery,
} from "../components.tsx";
import { btc, num, percent, seconds } from "../format.ts";
import { navigate, pathname, searchParams } from "../router.ts";

const PAGE = 50;
const STATUSES = ["FINALIZED", "PENDING", "NO_VOTING_POWER", "NOT_ACTIVATED", "NOT_CHECKED", "ORPHANED"];

interface ListBlock {
  height: string;
  hash: string;
  status: string;
  time: string;
  voterCount: number | null;
  votedPowerRatio: number | null;
  timeToFinalitySeconds: number | null;
}
interface BlockPage {
  blocks: {
    edges: { node: ListBlock }[];
    pageInfo: { endCursor: string | null; hasNextPage: boolean };
  };
}

const LIST = `query Blocks($first: Int!, $after: String, $where: BlockWhere) {
  blocks(first: $first, after: $after, orderBy: HEIGHT_DESC, where: $where) {
    edges { node { height hash status time voterCount votedPowerRatio timeToFinalitySeconds } }
    pageInfo { endCursor hasNextPage }
  }
}`;

function listUrl(params: URLSearchParams): string {
  const s = params.toString();
  return s ? `/blocks?${s}` : "/blocks";
}

export function Blocks() {
  const params = searchParams();
  const status = params.get("status") ?? "";
  const maxHeight = params.get("to") ?? "";
  const after = params.get("after") ?? undefined;
  const where: Record<string, unknown> = {};
  if (status) where.status = status;
  if (/^\d+$/.test(maxHeight)) where.heightLte = maxHeight;
  if (status === "ORPHANED") where.canonical = false;
  const page = useQuery<BlockPage>(LIST, { first: PAGE, after, where });

  const onSubmit = (event: Event) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget as HTMLFormElement);
    const next = new URLSearchParams();
    const st = String(form.get("status") ?? "");
    const to = String(form.get("to") ?? "").trim();
    if (st) next.set("status", st);
    if (to) next.set("to", to);
    navigate(listUrl(next));
  };

  return (
    <>
      <h1>Blocks</h1>
      <form class="filters" onSubmit={onSubmit}>
        <label>
          Status{" "}
          <select name="status" value={status}>
            <option value="">any</option>
            {STATUSES.map((s) => (
              <option key={s} value={s}>
                {STATUS_LABEL[s]}
              </option>
            ))}
          </select>
        </label>
        <label>
          At or below height{" "}
          <input name="to" inputMode="numeric" pattern="[0-9]*" value={maxHeight} size={10} />
        </label>
        <button type="submit">Filter</button>
      </form>
      <Show loaded={page} what="blocks">
        {(data) =>
          data.blocks.edges.length === 0 ? (
            <p class="notice">No blocks match{status ? ` status “${STATUS_LABEL[status]}”` : ""} yet.</p>
          ) : (
            <>
              <Table columns={["Height", "Hash", "Status", "Voted power", "Voters", "To finality", "Time"]}>
                {data.blocks.edges.map(({ node: b }) => (
                  <tr key={b.hash}>
                    <td class="num">
                      <a href={`/blocks/${b.height}`}>{num(b.height)}</a>
                    </td>
                    <td>
                      <Hash value={b.hash} href={`/blocks/${b.hash}`} keep={8} />
                    </td>
                    <td>
                      <Badge status={b.status} />
                    </td>
                    <td class="num">{percent(b.votedPowerRatio)}</td>
                    <td class="num">{num(b.voterCount)}</td>
                    <td class="num">{seconds(b.timeToFinalitySeconds)}</td>
                    <td>
                      <Time iso={b.time} />
                    </td>
                  </tr>
                ))}
              </Table>
              <nav class="pager" aria-label="Pages">
                {after && <a href={listUrl(withoutAfter(params))}>Newest</a>}
                {data.blocks.pageInfo.hasNextPage && data.blocks.pageInfo.endCursor && (
                  <a href={listUrl(withAfter(params, data.blocks.pageInfo.endCursor))}>Older →</a>
                )}
              </nav>
            </>
          )
        }
      </Show>
    </>
  );
}

function withAfter(params: URLSearchParams, cursor: string): URLSearchParams {
  const next = new URLSearchParams(params);
  next.set("after", cursor);
  return next;
}
function withoutAfter(params: URLSearchParams): URLSearchParams {
  const next = new URLSearchParams(params);
  next.delete("after");
  return next;
}

interface Vote {
  fpBtcPk: string;
  txHash: string;
  babylonHeight: string;
  votingPower: string | null;
}
interface BlockDetail {
  height: string;
  hash: string;
  parentHash: string;
  time: string;
  status: string;
  checked: boolean;
  canonical: boolean;
  btcHeight: number | null;
  votedPower: string | null;
  totalPower: string | null;
  votedPowerRatio: number | null;
  timeToFinalitySeconds: number | null;
  finalizedAt: string | null;
  finalizedByBabylonHeight: string | null;
  votes: Vote[];
}
interface ProviderAt {
  btcPk: string;
  description: { moniker: string | null };
  votingPowerAt: string | null;
}

const BLOCK = `query Block($height: BigInt, $hash: String) {
  block(height: $height, hash: $hash) {
    height hash parentHash time status checked canonical btcHeight votedPower totalPower votedPowerRatio
    timeToFinalitySeconds finalizedAt finalizedByBabylonHeight
    votes { fpBtcPk txHash babylonHeight votingPower }
  }
  syncStatus { activatedHeight }
}`;
const POWER_AT = `query PowerAt($btcHeight: Int!) {
  finalityProviders(first: 200) { edges { node { btcPk description { moniker } votingPowerAt(btcHeight: $btcHeight) } } }
}`;

export function BlockView() {
  const id = decodeURIComponent(pathname().slice("/blocks/".length));
  const byHash = /^(0x)?[0-9a-fA-F]{64}$/.test(id);
  const valid = byHash || /^\d+$/.test(id);
  const block = useQuery<{ block: BlockDetail | null; syncStatus: { activatedHeight: string | null } }>(
    BLOCK,
    byHash ? { hash: id } : { height: id },
    !valid,
  );
  const btcHeight = block.state === "done" ? block.data.block?.btcHeight : undefined;
  const providers = useQuery<{ finalityProviders: { edges: { node: ProviderAt }[] } }>(
    POWER_AT,
    { btcHeight: btcHeight ?? 0 },
    btcHeight === undefined || btcHeight === null,
  );
  if (!valid) {
    return <p class="notice error">“{id}” is neither a block height nor a 32-byte block hash.</p>;
  }
  return (
    <Show loaded={block} what={`block ${id}`}>
      {({ block: b, syncStatus }) => {
        if (!b) {
          return (
            <>
              <h1>Block {byHash ? "" : num(id)}</h1>
              <p class="notice">
                No block {byHash ? `with hash ${id}` : `at height ${num(id)}`} is indexed yet. The indexer may
                still be catching up to it, or the L2 has not produced it.
              </p>
            </>
          );
        }
        const total = b.totalPower ? BigInt(b.totalPower) : 0n;
        const voted = b.votedPower ? BigInt(b.votedPower) : 0n;
        const ratio = total > 0n ? Number((voted * 10_000n) / total) / 10_000 : 0;
        return (
          <>
            <h1>
              Block {num(b.height)} <Badge status={b.status} />
            </h1>
            {b.status === "NOT_ACTIVATED" && (
              <p class="notice">
                BTC staking is not activated until L2 height {num(syncStatus.activatedHeight)}: this block is
                finalized by L1 alone.
              </p>
            )}
            {b.status === "NOT_CHECKED" && (
              <p class="notice">
                This height is between checked heights: it is BTC-finalized together with the next checked
                block.
              </p>
            )}
            <dl class="details">
              <Field label="Hash">
                <span class="mono" data-testid="block-hash">
                  {b.hash}
                </span>
              </Field>
              <Field label="Parent">
                <a class="mono" href={`/blocks/${b.parentHash}`}>
                  {b.parentHash}
                </a>
              </Field>
              <Field label="Time">
                <Time iso={b.time} />
              </Field>
              <Field label="Canonical">{b.canonical ? "yes" : "no (orphaned)"}</Field>
              <Field label="BTC height">{num(b.btcHeight)}</Field>
              <Field label="Voted / total power">
                {btc(b.votedPower)} / {btc(b.totalPower)} ({percent(b.votedPowerRatio)})
              </Field>
              <Field label="Time to finality">{seconds(b.timeToFinalitySeconds)}</Field>
              <Field label="Finalized">
                {b.finalizedAt ? (
                  <>
                    <Time iso={b.finalizedAt} />
                    {b.finalizedByBabylonHeight ? ` by Babylon block ${num(b.finalizedByBabylonHeight)}` : ""}
                  </>
                ) : (
                  "not yet"
                )}
              </Field>
            </dl>
            {total > 0n && (
              <div class="quorum" aria-hidden="true">
                <div class="quorum-fill" style={{ width: `${Math.min(100, ratio * 100)}%` }} />
                <div class="quorum-line" title="2/3 quorum" />
                <span class="quorum-label">2/3</span>
              </div>
            )}
            <h2>Votes</h2>
            <VoteTable block={b} providers={providers} />
          </>
        );
      }}
    </Show>
  );
}

function VoteTable(props: {
  block: BlockDetail;
  providers: ReturnType<typeof useQuery<{ finalityProviders: { edges: { node: ProviderAt }[] } }>>;
}) {
  const { block } = props;
  if (!block.checked) return <p class="muted">Only checked heights are voted on.</p>;
  if (block.btcHeight === null) return <p class="muted">The engine has not evaluated this block yet.</p>;
  return (
    <Show loaded={props.providers} what="the providers' power">
      {(data) => {
        const votes = new Map(block.votes.map((v) => [v.fpBtcPk, v]));
        const rows = data.finalityProviders.edges
          .map((e) => e.node)
          .filter((p) => votes.has(p.btcPk) || (p.votingPowerAt !== null && BigInt(p.votingPowerAt) > 0n))
          .sort((a, b) => Number(BigInt(b.votingPowerAt ?? "0") - BigInt(a.votingPowerAt ?? "0")));
        if (rows.length === 0)
          return <p class="notice">No provider had voting power at BTC height {block.btcHeight}.</p>;
        return (
          <Table columns={["Provider", "Voted", "Power", "Babylon tx"]} testid="vote-table">
            {rows.map((p) => {
              const v = votes.get(p.btcPk);
              return (
                <tr key={p.btcPk} data-provider={p.btcPk}>
                  <td>
                    <ProviderLink btcPk={p.btcPk} moniker={p.description.moniker} />
                  </td>
                  <td>
                    {v ? (
                      <span class="badge s-finalized">voted</span>
                    ) : (
                      <span class="badge s-pending">no vote</span>
                    )}
                  </td>
                  <td class="num">{btc(p.votingPowerAt)}</td>
                  <td>{v ? <Hash value={v.txHash} keep={8} /> : "—"}</td>
                </tr>
              );
            })}
          </Table>
        );
      }}
    </Show>
  );
}
