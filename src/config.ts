// Configuration: defaults < TOML file (--config) < environment (OBF_SECTION_KEY, and DATABASE_URL) < CLI flags
// (--section.key=value). Every key is declared once below, with its type and meaning; config.example.toml lists
// them all (a test keeps the two in step). A bad value is reported with the key that holds it and what it expects.
import { readFileSync } from "node:fs";
import { parse as parseToml } from "smol-toml";

type KeyType = "string" | "url" | "integer" | "boolean" | "enum";

interface KeySpec {
  type: KeyType;
  default: string | number | boolean;
  doc: string;
  min?: number;
  max?: number;
  values?: readonly string[];
  secret?: boolean;
}

export const configKeys = {
  database: {
    url: {
      type: "url",
      default: "",
      doc: "postgres://user:pass@host:5432/db; empty uses the embedded PGlite database",
      secret: true,
    },
    data_dir: { type: "string", default: "./data", doc: "where the embedded database and devnet state live" },
    pool_size: { type: "integer", default: 10, min: 1, max: 200, doc: "Postgres connections" },
  },
  l2: {
    rpc_url: {
      type: "url",
      default: "",
      doc: "OP-stack L2 execution RPC (http or ws); empty with babylon.rpc_url empty starts the devnet",
    },
    start_height: {
      type: "integer",
      default: 0,
      min: 0,
      doc: "first L2 height to index when the database is empty (0 = the contract's activation height)",
    },
    follow: {
      type: "enum",
      default: "latest",
      values: ["latest", "safe", "finalized"],
      doc: "which L2 head to follow",
    },
    batch_size: {
      type: "integer",
      default: 200,
      min: 1,
      max: 5000,
      doc: "blocks fetched per batched JSON-RPC request",
    },
    concurrency: { type: "integer", default: 4, min: 1, max: 64, doc: "batched requests in flight" },
    poll_interval_ms: { type: "integer", default: 1000, min: 50, doc: "how often to look for a new L2 head" },
  },
  babylon: {
    rpc_url: { type: "url", default: "", doc: "Babylon CometBFT RPC" },
    chain_id: { type: "string", default: "", doc: "Babylon chain id (checked against the node)" },
    contract_address: { type: "string", default: "", doc: "the finality contract (bbn1…)" },
    contract_dialect: {
      type: "enum",
      default: "rollup-bsn",
      values: ["rollup-bsn", "op-finality-gadget"],
      doc: "finality contract generation",
    },
    start_height: {
      type: "integer",
      default: 1,
      min: 1,
      doc: "first Babylon height to scan when the database is empty",
    },
    poll_interval_ms: {
      type: "integer",
      default: 1000,
      min: 50,
      doc: "how often to look for a new Babylon block",
    },
    reconcile_interval_ms: {
      type: "integer",
      default: 30000,
      min: 1000,
      doc: "how often to compare indexed state with Babylon's",
    },
  },
  api: {
    host: { type: "string", default: "127.0.0.1", doc: "interface the HTTP and gRPC servers listen on" },
    http_port: {
      type: "integer",
      default: 8080,
      min: 0,
      max: 65535,
      doc: "GraphQL, REST, health and metrics",
    },
    grpc_port: {
      type: "integer",
      default: 50051,
      min: 0,
      max: 65535,
      doc: "proto.FinalityGadget for op-node",
    },
    max_page_size: {
      type: "integer",
      default: 1000,
      min: 1,
      max: 1000,
      doc: "largest page a GraphQL connection returns",
    },
  },
  log: {
    level: {
      type: "enum",
      default: "info",
      values: ["fatal", "error", "warn", "info", "debug", "trace", "silent"],
      doc: "log level",
    },
  },
} as const satisfies Record<string, Record<string, KeySpec>>;

type Specs = typeof configKeys;
type ValueOf<S extends KeySpec> = S["type"] extends "integer"
  ? number
  : S["type"] extends "boolean"
    ? boolean
    : string;
export type Config = {
  [Sec in keyof Specs]: {
    [K in keyof Specs[Sec]]: Specs[Sec][K] extends KeySpec ? ValueOf<Specs[Sec][K]> : never;
  };
};

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ConfigError";
  }
}

type Source = "file" | "environment" | "flag";

function coerce(path: string, spec: KeySpec, raw: unknown, source: Source): string | number | boolean {
  const where = source === "file" ? "" : ` (from ${source})`;
  const bad = (expected: string) =>
    new ConfigError(`config ${path}${where}: expected ${expected}, got ${JSON.stringify(raw)}`);
  switch (spec.type) {
    case "integer": {
      const n =
        typeof raw === "number"
          ? raw
          : typeof raw === "bigint"
            ? Number(raw)
            : typeof raw === "string" && /^-?\d+$/.test(raw.trim())
              ? Number(raw)
              : Number.NaN;
      const range = `an integer${spec.min !== undefined ? ` ≥ ${spec.min}` : ""}${spec.max !== undefined ? ` and ≤ ${spec.max}` : ""}`;
      if (!Number.isSafeInteger(n)) throw bad(range);
      if ((spec.min !== undefined && n < spec.min) || (spec.max !== undefined && n > spec.max))
        throw bad(range);
      return n;
    }
    case "boolean": {
      if (typeof raw === "boolean") return raw;
      if (raw === "true" || raw === "1") return true;
      if (raw === "false" || raw === "0") return false;
      throw bad("true or false");
    }
    case "enum": {
      if (typeof raw === "string" && spec.values?.includes(raw)) return raw;
      throw bad(`one of ${spec.values?.join(", ")}`);
    }
    case "url": {
      if (typeof raw !== "string") throw bad("a URL string");
      if (raw === "") return raw;
      try {
        new URL(raw);
      } catch {
        throw new ConfigError(`config ${path}${where}: expected a URL, got a malformed value`);
      }
      return raw;
    }
    default: {
      if (typeof raw !== "string") throw bad("a string");
      return raw;
    }
  }
}

export interface LoadOptions {
  /** Path of a TOML file (the --config flag). */
  file?: string;
  env?: NodeJS.ProcessEnv;
  /** CLI overrides as "section.key" → raw value. */
  flags?: Record<string, string>;
}

function spec(section: string, key: string): KeySpec | undefined {
  return (configKeys as Record<string, Record<string, KeySpec>>)[section]?.[key];
}

export function loadConfig(options: LoadOptions = {}): Config {
  const values: Record<string, Record<string, string | number | boolean>> = {};
  for (const [section, keys] of Object.entries(configKeys)) {
    values[section] = {};
    for (const [key, s] of Object.entries(keys)) values[section]![key] = (s as KeySpec).default;
  }
  const set = (path: string, raw: unknown, source: Source) => {
    const [section, key, ...rest] = path.split(".");
    const s = section && key && rest.length === 0 ? spec(section, key) : undefined;
    if (!s)
      throw new ConfigError(`config ${path}: unknown key${source === "file" ? "" : ` (from ${source})`}`);
    values[section!]![key!] = coerce(path, s, raw, source);
  };

  if (options.file) {
    let text: string;
    try {
      text = readFileSync(options.file, "utf8");
    } catch (error) {
      throw new ConfigError(
        `config file ${options.file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`,
      );
    }
    let doc: Record<string, unknown>;
    try {
      doc = parseToml(text) as Record<string, unknown>;
    } catch (error) {
      throw new ConfigError(
        `config file ${options.file}: invalid TOML: ${(error as Error).message.split("\n")[0]}`,
      );
    }
    for (const [section, table] of Object.entries(doc)) {
      if (typeof table !== "object" || table === null || Array.isArray(table) || table instanceof Date) {
        throw new ConfigError(`config ${section}: unknown key (expected a [section] table)`);
      }
      for (const [key, raw] of Object.entries(table)) set(`${section}.${key}`, raw, "file");
    }
  }

  const env = options.env ?? process.env;
  if (env.DATABASE_URL) set("database.url", env.DATABASE_URL, "environment");
  for (const [name, raw] of Object.entries(env)) {
    if (!name.startsWith("OBF_") || raw === undefined) continue;
    const rest = name.slice(4).toLowerCase();
    const section = Object.keys(configKeys).find((s) => rest.startsWith(`${s}_`));
    // Variables of other tools may share the prefix; a known section with an unknown key is a mistake.
    if (!section) continue;
    set(`${section}.${rest.slice(section.length + 1)}`, raw, "environment");
  }

  for (const [path, raw] of Object.entries(options.flags ?? {})) set(path, raw, "flag");
  return values as unknown as Config;
}

/** The configuration with secrets replaced, fit for a log line. */
export function redactConfig(config: Config): Config {
  const copy = structuredClone(config) as unknown as Record<string, Record<string, unknown>>;
  for (const [section, keys] of Object.entries(configKeys)) {
    for (const [key, s] of Object.entries(keys)) {
      const value = copy[section]![key];
      if ((s as KeySpec).secret && typeof value === "string" && value !== "") {
        copy[section]![key] = value.replace(/(\/\/[^:/@]+:)[^@]*@/, "$1***@");
      }
    }
  }
  return copy as unknown as Config;
}

/** The commented TOML listing every key with its default: the body of config.example.toml. */
export function exampleToml(): string {
  const lines = [
    "# op-btc-finality configuration. Every key is optional; shown with its default.",
    "# Precedence: defaults < this file (--config path) < environment (OBF_SECTION_KEY, e.g. OBF_API_HTTP_PORT;",
    "# DATABASE_URL also sets database.url) < flags (--section.key=value, e.g. --api.http_port=8081).",
  ];
  for (const [section, keys] of Object.entries(configKeys)) {
    lines.push("", `[${section}]`);
    for (const [key, s] of Object.entries(keys)) {
      const spec = s as KeySpec;
      const extra = spec.values ? ` (${spec.values.join(" | ")})` : "";
      lines.push(`# ${spec.doc}${extra}`, `${key} = ${JSON.stringify(spec.default)}`);
    }
  }
  return `${lines.join("\n")}\n`;
}
