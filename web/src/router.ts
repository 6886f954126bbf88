// History-API routing: every page is a real URL (deep links survive a reload, the back button works). Links
// are plain <a href>; one click handler turns same-origin clicks into pushState.
import { signal } from "@preact/signals";

export const path = signal(location.pathname + location.search);

export function navigate(to: string, replace = false): void {
  if (to === path.value) return;
  if (replace) history.replaceState(null, "", to);
  else history.pushState(null, "", to);
  path.value = to;
  window.scrollTo(0, 0);
}

export function startRouter(): void {
  window.addEventListener("popstate", () => {
    path.value = location.pathname + location.search;
  });
  document.addEventListener("click", (event) => {
    if (event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey)
      return;
    const anchor = (event.target as Element | null)?.closest?.("a");
    if (!anchor || anchor.target || anchor.hasAttribute("download")) return;
    const url = new URL(anchor.href, location.href);
    // /graphql is GraphiQL, a page of its own.
    if (url.origin !== location.origin || url.pathname === "/graphql") return;
    event.preventDefault();
    navigate(url.pathname + url.search);
  });
}

export function searchParams(): URLSearchParams {
  const q = path.value.indexOf("?");
  return new URLSearchParams(q < 0 ? "" : path.value.slice(q + 1));
}

export function pathname(): string {
  const q = path.value.indexOf("?");
  return q < 0 ? path.value : path.value.slice(0, q);
}
