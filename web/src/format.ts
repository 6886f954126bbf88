// How numbers and times read on every page: grouped digits, satoshis as BTC, relative times with the absolute
// UTC time for the title attribute.
const integer = new Intl.NumberFormat("en-US");

export function num(value: string | number | bigint | null | undefined): string {
  if (value === null || value === undefined || value === "") return "—";
  return integer.format(typeof value === "string" ? BigInt(value) : value);
}

export function btc(sat: string | null | undefined): string {
  if (sat === null || sat === undefined) return "—";
  const value = BigInt(sat);
  const whole = value / 100_000_000n;
  const frac = (value % 100_000_000n).toString().padStart(8, "0").replace(/0+$/, "");
  return `${integer.format(whole)}${frac ? `.${frac}` : ""} BTC`;
}

export function percent(ratio: number | null | undefined, digits = 1): string {
  if (ratio === null || ratio === undefined) return "—";
  return `${(ratio * 100).toFixed(digits)} %`;
}

export function seconds(value: number | null | undefined): string {
  if (value === null || value === undefined) return "—";
  if (value < 120) return `${value.toFixed(value < 10 ? 1 : 0)} s`;
  if (value < 7200) return `${(value / 60).toFixed(1)} min`;
  return `${(value / 3600).toFixed(1)} h`;
}

export function absoluteTime(iso: string): string {
  return `${new Date(iso).toISOString().replace("T", " ").slice(0, 19)} UTC`;
}

export function relativeTime(iso: string, now = Date.now()): string {
  const diff = Math.round((now - new Date(iso).getTime()) / 1000);
  const ahead = diff < 0;
  const s = Math.abs(diff);
  const text =
    s < 5
      ? "just now"
      : s < 60
        ? `${s} s`
        : s < 3600
          ? `${Math.floor(s / 60)} min`
          : s < 86_400
            ? `${Math.floor(s / 3600)} h`
            : `${Math.floor(s / 86_400)} d`;
  if (text === "just now") return text;
  return ahead ? `in ${text}` : `${text} ago`;
}

export function short(hex: string, keep = 10): string {
  return hex.length <= keep * 2 + 1 ? hex : `${hex.slice(0, keep)}…${hex.slice(-6)}`;
}

/** Babylon's commission: a decimal ("0.05") or a cosmos Dec as an integer scaled by 10^18. */
export function commission(value: string | null | undefined): string {
  if (value === null || value === undefined || value === "") return "—";
  const ratio = /^\d{16,}$/.test(value) ? Number(value) / 1e18 : Number(value);
  return Number.isFinite(ratio) ? percent(ratio, 2) : value;
}
