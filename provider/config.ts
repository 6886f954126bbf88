// The provider's configuration: one TOML file, by default <home>/provider.toml. Every key is validated up
// front, and an error names the key and what it expects. Secrets never live here: keys are in the
// keystore and the passphrase comes from a file, an environment variable or a prompt.
import { existsSync, readFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { parse as parseToml } from "smol-toml";
import { z } from "zod";

export const DEFAULT_PASSPHRASE_ENV = "OBF_PROVIDER_PASSPHRASE";

export function defaultHome(env: NodeJS.ProcessEnv = process.env): string {
  return env["OBF_PROVIDER_HOME"] ?? join(homedir(), ".op-btc-finality", "provider");
}

const u64 = z
  .union([z.number().int().nonnegative(), z.bigint().nonnegative()])
  .transform((v) => BigInt(v))
  .refine((v) => v < 1n << 64n, "must fit in uint64");
const decimal = z.string().regex(/^\d+(\.\d{1,18})?$/, "must be a decimal such as 0.05");

const schema = z
  .object({
    key_name: z.string().default("default"),
    account_key_name: z.string().default("account"),
    bsn_id: z.string().regex(/^[A-Za-z0-9_-]{1,100}$/, "must be 1-100 characters of A-Z, a-z, 0-9, _ or -"),
    l2: z
      .object({
        rpc_url: z.string().url(),
        follow: z.enum(["latest", "safe", "finalized"]).default("latest"),
      })
      .strict(),
    babylon: z
      .object({
        rpc_url: z.string().url(),
        chain_id: z.string().min(1),
        gas_price: z
          .string()
          .regex(/^\d+(\.\d+)?[a-z][a-z0-9/]*$/, "must look like 0.002ubbn")
          .default("0.002ubbn"),
        prefix: z.string().default("bbn"),
      })
      .strict(),
    contract: z.object({ address: z.string().min(1) }).strict(),
    randomness: z
      .object({
        batch: u64.default(1000n),
        look_ahead: u64.default(2000n),
        timestamping_delay: u64.default(0n),
      })
      .strict()
      .default({ batch: 1000n, look_ahead: 2000n, timestamping_delay: 0n }),
    voting: z
      .object({
        start_height: u64.default(0n),
        max_votes_per_tx: z.number().int().min(1).max(1000).default(32),
        poll_interval_ms: z.number().int().min(50).default(1000),
      })
      .strict()
      .default({ start_height: 0n, max_votes_per_tx: 32, poll_interval_ms: 1000 }),
    server: z
      .object({ listen: z.string().default("127.0.0.1:9464") })
      .strict()
      .default({ listen: "127.0.0.1:9464" }),
    register: z
      .object({
        moniker: z.string().default(""),
        identity: z.string().default(""),
        website: z.string().default(""),
        security_contact: z.string().default(""),
        details: z.string().default(""),
        commission_rate: decimal.default("0.05"),
        commission_max_rate: decimal.default("0.20"),
        commission_max_change_rate: decimal.default("0.01"),
      })
      .strict()
      .default({
        moniker: "",
        identity: "",
        website: "",
        security_contact: "",
        details: "",
        commission_rate: "0.05",
        commission_max_rate: "0.20",
        commission_max_change_rate: "0.01",
      }),
  })
  .strict();

export type ProviderConfig = z.infer<typeof schema>;

export class ProviderConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ProviderConfigError";
  }
}

export function parseProviderConfig(text: string, source: string): ProviderConfig {
  let raw: unknown;
  try {
    raw = parseToml(text);
  } catch (err) {
    throw new ProviderConfigError(`${source}: not valid TOML: ${(err as Error).message}`);
  }
  const result = schema.safeParse(raw);
  if (!result.success) {
    const issue = result.error.issues[0]!;
    const key = issue.path.join(".") || "(top level)";
    throw new ProviderConfigError(`${source}: ${key}: ${issue.message}`);
  }
  return result.data;
}

export function loadProviderConfig(path: string): ProviderConfig {
  if (!existsSync(path)) {
    throw new ProviderConfigError(
      `no provider configuration at ${path}; write one ("op-btc-finality provider config-example" prints a template) or pass --config`,
    );
  }
  return parseProviderConfig(readFileSync(path, "utf8"), path);
}

/** A commented template; `provider config-example` prints it and a test keeps it valid. */
export const exampleProviderConfig = `# op-btc-finality finality provider: <home>/provider.toml
key_name = "default"            # EOTS key in <home>/keys (provider keys create|import)
account_key_name = "account"    # Babylon account key that signs and pays for transactions
bsn_id = "op-stack-l2-901"      # the rollup's BSN id; also the EOTS randomness chain id

[l2]
rpc_url = "http://127.0.0.1:8545"
follow = "latest"               # latest | safe | finalized

[babylon]
rpc_url = "http://127.0.0.1:26657"
chain_id = "bbn-devnet-1"
gas_price = "0.002ubbn"
prefix = "bbn"

[contract]
address = "bbn1..."             # the rollup-BSN finality contract

[randomness]
batch = 1000                    # values per commitment (raised to the contract's min_pub_rand)
look_ahead = 2000               # L2 heights committed beyond tip + timestamping_delay
timestamping_delay = 0          # L2 blocks it takes a commitment to be BTC-timestamped

[voting]
start_height = 0                # never vote below this L2 height
max_votes_per_tx = 32
poll_interval_ms = 1000

[server]
listen = "127.0.0.1:9464"       # /metrics and /health; "" disables

[register]
moniker = "my-provider"
website = ""
details = ""
commission_rate = "0.05"
commission_max_rate = "0.20"
commission_max_change_rate = "0.01"
`;
