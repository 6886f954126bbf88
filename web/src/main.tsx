// The explorer's shell: header with navigation, search and connection state; the page for the current path.
import "uplot/dist/uPlot.min.css";
import "./style.css";
import { render } from "preact";
import { useEffect, useState } from "preact/hooks";
import { connection, startConnection } from "./api.ts";
import { Blocks, BlockView } from "./pages/blocks.tsx";
import { Overview } from "./pages/overview.tsx";
import { Providers, ProviderView } from "./pages/providers.tsx";
import { TxView } from "./pages/tx.tsx";
import { navigate, pathname, searchParams, startRouter } from "./router.ts";
import { resolveSearch } from "./search.ts";

function Search() {
  const [busy, setBusy] = useState(false);
  const onSubmit = (event: Event) => {
    event.preventDefault();
    const input = new FormData(event.currentTarget as HTMLFormElement).get("q");
    if (!input || busy) return;
    setBusy(true);
    resolveSearch(String(input))
      .then((to) => navigate(to))
      .catch(() => navigate(`/search?q=${encodeURIComponent(String(input))}`))
      .finally(() => setBusy(false));
  };
  return (
    <form class="search" aria-label="Search" onSubmit={onSubmit}>
      <label for="q" class="sr-only">
        Search by height, block hash, transaction hash or provider key
      </label>
      <input
        id="q"
        name="q"
        type="search"
        placeholder="Height, block or tx hash, provider key"
        autocomplete="off"
      />
      <button type="submit" disabled={busy}>
        Search
      </button>
    </form>
  );
}

function NotFound(props: { what: string }) {
  return (
    <>
      <h1>Not found</h1>
      <p class="notice">{props.what}</p>
    </>
  );
}

function Page() {
  const p = pathname();
  if (p === "/") return <Overview />;
  if (p === "/blocks") return <Blocks />;
  if (p.startsWith("/blocks/")) return <BlockView key={p} />;
  if (p === "/providers") return <Providers />;
  if (p.startsWith("/providers/")) return <ProviderView key={p} />;
  if (p.startsWith("/tx/")) return <TxView key={p} />;
  if (p === "/search") {
    const q = searchParams().get("q") ?? "";
    return (
      <NotFound
        what={`“${q}” is not a block height, a 0x block or transaction hash, or a 64-hex-digit provider key.`}
      />
    );
  }
  return <NotFound what={`The explorer has no page ${p}.`} />;
}

function Nav() {
  const p = pathname();
  const link = (href: string, label: string, active: boolean) => (
    <a href={href} aria-current={active ? "page" : undefined}>
      {label}
    </a>
  );
  return (
    <nav aria-label="Main">
      {link("/", "Overview", p === "/")}
      {link("/blocks", "Blocks", p.startsWith("/blocks"))}
      {link("/providers", "Providers", p.startsWith("/providers"))}
      <a href="/graphql">GraphiQL</a>
    </nav>
  );
}

/** The tab's title names the page, so history entries and bookmarks say what they are. */
function pageTitle(p: string): string {
  const [, section, id] = p.split("/");
  const name = id ? decodeURIComponent(id) : "";
  const short = name.length > 20 ? `${name.slice(0, 10)}…` : name;
  if (section === "blocks") return id ? `Block ${short}` : "Blocks";
  if (section === "providers") return id ? `Provider ${short}` : "Providers";
  if (section === "tx") return `Transaction ${short}`;
  if (section === "search") return "Search";
  return "Finality overview";
}

function App() {
  const c = connection.value;
  const p = pathname();
  useEffect(() => {
    document.title = `${pageTitle(p)} · op-btc-finality`;
  }, [p]);
  return (
    <>
      <a class="skip" href="#main">
        Skip to content
      </a>
      <header>
        <a class="brand" href="/">
          op-btc-finality
        </a>
        <Nav />
        <Search />
        <span class={`conn conn-${c.state}`} role="status" aria-live="polite" data-epoch={c.epoch}>
          {c.state === "open" ? "live" : c.state === "connecting" ? "connecting…" : "reconnecting…"}
        </span>
      </header>
      <main id="main">
        <Page />
      </main>
    </>
  );
}

startRouter();
startConnection();
const root = document.getElementById("app")!;
// The boot message is static HTML, not Preact's: clear it so the first render does not append beside it.
root.textContent = "";
render(<App />, root);
