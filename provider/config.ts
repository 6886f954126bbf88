// The provider's configuration: one TOML file, by default <home>/provider.toml. Every key is validated up
// front, and an error names the key and what it expects. Secrets never live here: keys are in the
// keystore and the passphrase comes from a file, an environment variable or a prompt.
import { existsSync, readFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { z } from "zod";
import { ConfigError } from "../src/errors.ts";
import {
  exampleToml,
  integer,
  key,
  loadLayers,
  oneOf,
  parseTomlText,
  pathsOf,
  text,
  uint64,
  url,
} from "../src/toml-config.ts";

export const DEFAULT_PASSPHRASE_ENV = "OBF_PROVIDER_PASSPHRASE";

export function defaultHome(env: NodeJS.ProcessEnv = process.env): string {
  return env["OBF_PROVIDER_HOME"] ?? join(homedir(), ".op-btc-finality", "provider");
}

const decimal = () => text().regex(/^\d+(\.\d{1,18})?$/, "must be a decimal such as 0.05");
// A section with every key defaulted: absent, it is its defaults.
const section = <S extends z.ZodRawShape>(keys: S) => z.object(keys).strict();
const defaulted = <S extends z.ZodRawShape>(keys: S) => section(keys).prefault({} as never);

export const providerConfigSchema = z
  .object({
    key_name: key(text().default("default"), "EOTS key in <home>/keys (provider keys create|import)"),
    account_key_name: key(
      text().default("account"),
      "Babylon account key that signs and pays for transactions",
    ),
    bsn_id: key(text().regex(/^[A-Za-z0-9_-]{1,100}$/, "must be 1-100 characters of A-Z, a-z, 0-9, _ or -"), {
      doc: "the rollup's BSN id; also the EOTS randomness chain id",
      example: "op-stack-l2-901",
    }),
    l2: section({
      rpc_url: key(url(), { doc: "OP-stack L2 execution RPC", example: "http://127.0.0.1:8545" }),
      follow: key(oneOf(["latest", "safe", "finalized"]).default("latest"), "which L2 head to follow"),
    }),
    babylon: section({
      rpc_url: key(url(), { doc: "Babylon CometBFT RPC", example: "http://127.0.0.1:26657" }),
      chain_id: key(text().min(1), { doc: "Babylon chain id", example: "bbn-devnet-1" }),
      gas_price: key(
        text()
          .regex(/^\d+(\.\d+)?[a-z][a-z0-9/]*$/, "must look like 0.002ubbn")
          .default("0.002ubbn"),
        "fee per unit of gas",
      ),
      prefix: key(text().default("bbn"), "Bech32 prefix of Babylon addresses"),
    }),
    contract: section({
      address: key(text().min(1), { doc: "the rollup-BSN finality contract", example: "bbn1..." }),
    }),
    randomness: defaulted({
      batch: key(uint64().default(1000n), "values per commitment (raised to the contract's min_pub_rand)"),
      look_ahead: key(uint64().default(2000n), "L2 heights committed beyond tip + timestamping_delay"),
      timestamping_delay: key(uint64().default(0n), "L2 blocks it takes a commitment to be BTC-timestamped"),
    }),
    voting: defaulted({
      start_height: key(uint64().default(0n), "never vote below this L2 height"),
      max_votes_per_tx: key(integer({ min: 1, max: 1000 }).default(32), "votes batched into one transaction"),
      poll_interval_ms: key(integer({ min: 50 }).default(1000), "how often to look for a new L2 head"),
    }),
    server: defaulted({
      listen: key(text().default("127.0.0.1:9464"), '/metrics and /health; "" disables'),
    }),
    register: defaulted({
      moniker: key(text().default(""), "the provider's name, shown by explorers"),
      identity: key(text().default(""), "a Keybase identity or similar"),
      website: key(text().default(""), "the operator's website"),
      security_contact: key(text().default(""), "where to report a security problem"),
      details: key(text().default(""), "free text"),
      commission_rate: key(decimal().default("0.05"), "commission on rewards"),
      commission_max_rate: key(decimal().default("0.20"), "highest commission the provider may ever set"),
      commission_max_change_rate: key(decimal().default("0.01"), "largest change of commission per day"),
    }),
  })
  .strict();

export type ProviderConfig = z.output<typeof providerConfigSchema>;

export class ProviderConfigError extends ConfigError {}

export function parseProviderConfig(content: string, source: string): ProviderConfig {
  const doc = parseTomlText(content, source, ProviderConfigError);
  return loadLayers(
    providerConfigSchema,
    [{ source: "file", values: pathsOf(doc, providerConfigSchema.shape) }],
    {
      prefix: `${source}: `,
      error: ProviderConfigError,
    },
  );
}

export function loadProviderConfig(path: string): ProviderConfig {
  if (!existsSync(path)) {
    throw new ProviderConfigError(
      `no provider configuration at ${path}; write one ("op-btc-finality provider config-example" prints a template) or pass --config`,
    );
  }
  return parseProviderConfig(readFileSync(path, "utf8"), path);
}

/** A commented template, generated from the schema; `provider config-example` prints it, provider.example.toml holds it. */
export const exampleProviderConfig = exampleToml(providerConfigSchema, [
  "op-btc-finality finality provider: <home>/provider.toml. Keys shown with a value to replace have no default;",
  "every other key is optional and shown with its default.",
]);
