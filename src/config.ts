// The gadget's configuration: defaults < TOML file (--config) < environment (OBF_SECTION_KEY, and DATABASE_URL)
// < CLI flags (--section.key=value). Every key is declared once below, with its type and meaning;
// config.example.toml is generated from the declaration (a test keeps the two in step). A bad value is
// reported with the key that holds it, where it came from, and what it expects.
import { z } from "zod";
import { ConfigError } from "./errors.ts";
import {
  exampleToml as exampleOf,
  integer,
  key,
  type Layer,
  loadLayers,
  oneOf,
  pathsOf,
  readTomlFile,
  redactSecrets,
  text,
  url,
} from "./toml-config.ts";

// A section with every key defaulted: absent, it is its defaults.
const section = <S extends z.ZodRawShape>(keys: S) =>
  z
    .object(keys)
    .strict()
    .prefault({} as never);

export const configSchema = z
  .object({
    database: section({
      url: key(url({ optional: true }).default(""), {
        doc: "postgres://user:pass@host:5432/db; empty uses the embedded PGlite database",
        secret: true,
      }),
      data_dir: key(text().default("./data"), "where the embedded database and devnet state live"),
      pool_size: key(
        integer({ min: 1, max: 200 }).default(10),
        "Postgres connections of the indexer; the API's reads have half as many more (at least 2)",
      ),
    }),
    l2: section({
      rpc_url: key(
        url({ optional: true }).default(""),
        "OP-stack L2 execution RPC (http or ws); empty with babylon.rpc_url empty starts the devnet",
      ),
      start_height: key(
        integer({ min: 0 }).default(0),
        "first L2 height to index when the database is empty (0 = the contract's activation height)",
      ),
      follow: key(oneOf(["latest", "safe", "finalized"]).default("latest"), "which L2 head to follow"),
      batch_size: key(
        integer({ min: 1, max: 5000 }).default(200),
        "blocks fetched per batched JSON-RPC request",
      ),
      concurrency: key(integer({ min: 1, max: 64 }).default(4), "batched requests in flight"),
      poll_interval_ms: key(integer({ min: 50 }).default(1000), "how often to look for a new L2 head"),
    }),
    babylon: section({
      rpc_url: key(url({ optional: true }).default(""), "Babylon CometBFT RPC"),
      chain_id: key(text().default(""), "Babylon chain id (checked against the node)"),
      contract_address: key(text().default(""), "the finality contract (bbn1…)"),
      contract_dialect: key(
        oneOf(["rollup-bsn", "op-finality-gadget"]).default("rollup-bsn"),
        "finality contract generation",
      ),
      start_height: key(
        integer({ min: 1 }).default(1),
        "first Babylon height to scan when the database is empty",
      ),
      poll_interval_ms: key(integer({ min: 50 }).default(1000), "how often to look for a new Babylon block"),
      reconcile_interval_ms: key(
        integer({ min: 1000 }).default(30000),
        "how often to compare indexed state with Babylon's",
      ),
    }),
    api: section({
      host: key(text().default("127.0.0.1"), "interface the HTTP and gRPC servers listen on"),
      http_port: key(integer({ min: 0, max: 65535 }).default(8080), "GraphQL, REST, health and metrics"),
      grpc_port: key(integer({ min: 0, max: 65535 }).default(50051), "proto.FinalityGadget for op-node"),
      max_page_size: key(
        integer({ min: 1, max: 1000 }).default(1000),
        "largest page a GraphQL connection returns",
      ),
    }),
    log: section({
      level: key(
        oneOf(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
        "log level",
      ),
    }),
  })
  .strict();

export type Config = z.output<typeof configSchema>;

export interface LoadOptions {
  /** Path of a TOML file (the --config flag). */
  file?: string;
  env?: NodeJS.ProcessEnv;
  /** CLI overrides as "section.key" → raw value. */
  flags?: Record<string, string>;
}

const sections = Object.keys(configSchema.shape);

/** The OBF_SECTION_KEY variables (and DATABASE_URL) as key paths. */
function fromEnvironment(env: NodeJS.ProcessEnv): [string, string][] {
  const out: [string, string][] = [];
  if (env.DATABASE_URL) out.push(["database.url", env.DATABASE_URL]);
  for (const [name, raw] of Object.entries(env)) {
    if (!name.startsWith("OBF_") || raw === undefined) continue;
    const rest = name.slice(4).toLowerCase();
    const s = sections.find((x) => rest.startsWith(`${x}_`));
    // Variables of other tools may share the prefix; a known section with an unknown key is a mistake.
    if (s) out.push([`${s}.${rest.slice(s.length + 1)}`, raw]);
  }
  return out;
}

export function loadConfig(options: LoadOptions = {}): Config {
  const layers: Layer[] = [];
  if (options.file) {
    const doc = readTomlFile(options.file);
    for (const [name, table] of Object.entries(doc)) {
      if (typeof table !== "object" || table === null || Array.isArray(table) || table instanceof Date) {
        throw new ConfigError(`config ${name}: unknown key (expected a [section] table)`);
      }
    }
    layers.push({ source: "file", values: pathsOf(doc, configSchema.shape) });
  }
  layers.push({ source: "environment", values: fromEnvironment(options.env ?? process.env) });
  layers.push({ source: "flag", values: Object.entries(options.flags ?? {}) });
  return loadLayers(configSchema, layers, { prefix: "config " });
}

/** The configuration with secrets replaced, fit for a log line. */
export function redactConfig(config: Config): Config {
  return redactSecrets(configSchema, config);
}

/** The commented TOML listing every key with its default: the body of config.example.toml. */
export function exampleToml(): string {
  return exampleOf(configSchema, [
    "op-btc-finality configuration. Every key is optional; shown with its default.",
    "Precedence: defaults < this file (--config path) < environment (OBF_SECTION_KEY, e.g. OBF_API_HTTP_PORT;",
    "DATABASE_URL also sets database.url) < flags (--section.key=value, e.g. --api.http_port=8081).",
  ]);
}
