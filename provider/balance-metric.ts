// The provider account's balance as a gauge, read from Babylon when /metrics is scraped: votes and
// commitments cost fees, and an operator must top the account up before it runs dry. A failed query leaves
// the gauge empty for that scrape rather than reporting a stale balance.
import { Gauge, type Registry } from "prom-client";

export function registerBalanceGauge(
  registry: Registry,
  denom: string,
  balance: () => Promise<bigint>,
  prefix = "obf_provider_",
): Gauge<"denom"> {
  return new Gauge({
    name: `${prefix}account_balance`,
    help: "Spendable balance of the provider's Babylon account (fees for votes and commitments), by denom",
    labelNames: ["denom"] as const,
    registers: [registry],
    async collect() {
      try {
        this.set({ denom }, Number(await balance()));
      } catch {
        this.reset();
      }
    },
  });
}
