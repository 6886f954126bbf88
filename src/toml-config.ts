// One way to declare, load and document a TOML configuration, for the gadget and the provider alike. Each key is
// a zod schema carrying its doc (and, for a key without a default, an example value). Loading layers sources
// (a file, then the environment, then flags), checks each value where it came from so an error names the key
// and the source, then parses the whole with the defaults filled in. The commented example TOML is generated
// from the same declaration, so the documentation cannot drift from what is accepted.
import { readFileSync } from "node:fs";
import { parse as parseToml } from "smol-toml";
import { z } from "zod";
import { ConfigError } from "./errors.ts";

export interface KeyDoc {
  doc: string;
  /** What the example shows for a key without a default (a default is shown as it is). */
  example?: unknown;
  /** Never logged: `redactSecrets` masks the password of a URL. */
  secret?: boolean;
}

const docs = z.registry<KeyDoc>();

/** A key: its schema (with `.default()` where it has one) and what it is for. */
export function key<T extends z.ZodType>(schema: T, doc: string | KeyDoc): T {
  docs.add(schema, typeof doc === "string" ? { doc } : doc);
  return schema;
}

const rangeText = (min?: number, max?: number) =>
  `an integer${min !== undefined ? ` ≥ ${min}` : ""}${max !== undefined ? ` and ≤ ${max}` : ""}`;

/** An integer, also written as a decimal string (environment, flags). */
export function integer(range: { min?: number; max?: number } = {}) {
  const expected = `expected ${rangeText(range.min, range.max)}`;
  let n = z.number({ error: expected }).int({ error: expected });
  if (range.min !== undefined) n = n.min(range.min, { error: expected });
  if (range.max !== undefined) n = n.max(range.max, { error: expected });
  return z.preprocess(
    (v) =>
      typeof v === "bigint" ? Number(v) : typeof v === "string" && /^-?\d+$/.test(v.trim()) ? Number(v) : v,
    n,
  );
}

/** A uint64, as a bigint. */
export function uint64() {
  return z
    .union([z.number().int().nonnegative(), z.bigint().nonnegative(), z.string().regex(/^\d+$/)], {
      error: "expected a non-negative integer",
    })
    .transform((v) => BigInt(v))
    .refine((v) => v < 1n << 64n, "must fit in uint64");
}

export function oneOf<const V extends readonly [string, ...string[]]>(values: V) {
  return z.enum(values, { error: `expected one of ${values.join(", ")}` });
}

/** A URL; `optional` also takes "" (not configured). A malformed value is not echoed: it may hold a password. */
export function url(opts: { optional?: boolean } = {}) {
  const valid = (v: string) => (opts.optional && v === "") || URL.canParse(v);
  return z
    .string({ error: "expected a URL string" })
    .refine(valid, { error: "expected a URL, got a malformed value" });
}

export function text() {
  return z.string({ error: "expected a string" });
}

export type Source = "file" | "environment" | "flag";

export interface Layer {
  source: Source;
  /** Dotted key path ("section.key", or "key" at the top level) → raw value. */
  values: Iterable<readonly [string, unknown]>;
}

export interface LoadOptions {
  /** Put before every message: "config " for the gadget, "<file>: " for the provider. */
  prefix: string;
  /** The error class thrown. */
  error?: new (
    message: string,
  ) => ConfigError;
}

type Shape = Record<string, z.ZodType>;
const unwrapped = (s: z.ZodType): z.ZodType =>
  s instanceof z.ZodDefault || s instanceof z.ZodPrefault ? unwrapped(s.unwrap() as z.ZodType) : s;
const sectionOf = (s: z.ZodType | undefined) => {
  const inner = s && unwrapped(s);
  return inner instanceof z.ZodObject ? (inner.shape as Shape) : undefined;
};

/** The schema of a dotted key path, or undefined for an unknown key. */
function keySchema(shape: Shape, path: string): z.ZodType | undefined {
  const parts = path.split(".");
  if (parts.length === 1) return sectionOf(shape[parts[0]!]) ? undefined : shape[parts[0]!];
  if (parts.length !== 2) return undefined;
  return sectionOf(shape[parts[0]!])?.[parts[1]!];
}

/** The sections a TOML document, or any `{ section: { key: value } }` object, sets, as dotted paths. */
export function pathsOf(doc: Record<string, unknown>, shape: Shape): [string, unknown][] {
  const out: [string, unknown][] = [];
  for (const [name, value] of Object.entries(doc)) {
    const isTable =
      typeof value === "object" && value !== null && !Array.isArray(value) && !(value instanceof Date);
    if (isTable && (sectionOf(shape[name]) || !(name in shape))) {
      for (const [k, v] of Object.entries(value)) out.push([`${name}.${k}`, v]);
    } else out.push([name, value]);
  }
  return out;
}

/** Reads and parses a TOML file; an unreadable file or invalid TOML is a ConfigError naming the file. */
export function readTomlFile(
  file: string,
  error: LoadOptions["error"] = ConfigError,
): Record<string, unknown> {
  let content: string;
  try {
    content = readFileSync(file, "utf8");
  } catch (e) {
    throw new error(`config file ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  return parseTomlText(content, `config file ${file}`, error);
}

export function parseTomlText(
  content: string,
  what: string,
  error: LoadOptions["error"] = ConfigError,
): Record<string, unknown> {
  try {
    return parseToml(content) as Record<string, unknown>;
  } catch (e) {
    throw new error(`${what}: invalid TOML: ${(e as Error).message.split("\n")[0]}`);
  }
}

/** Layers the sources in order (a later one wins), checks every value where it came from, fills defaults. */
export function loadLayers<S extends z.ZodObject>(
  schema: S,
  layers: Layer[],
  options: LoadOptions,
): z.output<S> {
  const Failure = options.error ?? ConfigError;
  const shape = schema.shape as Shape;
  const raw: Record<string, Record<string, unknown> | unknown> = {};
  for (const layer of layers) {
    const where = layer.source === "file" ? "" : ` (from ${layer.source})`;
    for (const [path, value] of layer.values) {
      const s = keySchema(shape, path);
      if (!s) throw new Failure(`${options.prefix}${path}: unknown key${where}`);
      const checked = s.safeParse(value);
      if (!checked.success) {
        const message = checked.error.issues[0]!.message;
        const shown = message.includes("got ") ? "" : `, got ${JSON.stringify(value, bigintJson)}`;
        throw new Failure(`${options.prefix}${path}${where}: ${message}${shown}`);
      }
      const [section, k] = path.split(".") as [string, string | undefined];
      if (k === undefined) raw[section] = value;
      else {
        raw[section] ??= {};
        (raw[section] as Record<string, unknown>)[k] = value;
      }
    }
  }
  const result = schema.safeParse(raw);
  if (!result.success) {
    const issue = result.error.issues[0]!;
    const given = issue.path.reduce<unknown>(
      (v, k) => (v as Record<PropertyKey, unknown> | undefined)?.[k],
      raw,
    );
    const message = given === undefined ? "missing: the key has no default" : issue.message;
    throw new Failure(`${options.prefix}${issue.path.join(".") || "(top level)"}: ${message}`);
  }
  return result.data;
}

const bigintJson = (_: string, v: unknown) => (typeof v === "bigint" ? v.toString() : v);

function tomlValue(v: unknown): string {
  return typeof v === "bigint" || typeof v === "number" || typeof v === "boolean"
    ? String(v)
    : JSON.stringify(v);
}

/** One key's lines in the example: its doc (with the allowed values of an enum), then `key = value`. */
function keyLines(name: string, s: z.ZodType): string[] {
  const d = docs.get(s);
  if (!d) throw new TypeError(`config key ${name} has no doc`);
  const inner = unwrapped(s);
  const values = inner instanceof z.ZodEnum ? ` (${(inner.options as string[]).join(" | ")})` : "";
  const byDefault = s.safeParse(undefined);
  const value = byDefault.success ? byDefault.data : d.example;
  return [`# ${d.doc}${values}`, `${name} = ${tomlValue(value)}`];
}

/** The commented TOML listing every key with its default (or example): the body of an example file. */
export function exampleToml(schema: z.ZodObject, header: readonly string[]): string {
  const shape = schema.shape as Shape;
  const lines = header.map((l) => `# ${l}`);
  const top = Object.entries(shape).filter(([, s]) => !sectionOf(s));
  if (top.length > 0) lines.push("");
  for (const [name, s] of top) lines.push(...keyLines(name, s));
  for (const [section, s] of Object.entries(shape)) {
    const keys = sectionOf(s);
    if (!keys) continue;
    lines.push("", `[${section}]`);
    for (const [name, k] of Object.entries(keys)) lines.push(...keyLines(name, k));
  }
  return `${lines.join("\n")}\n`;
}

/** A copy with the password of every secret URL masked, fit for a log line. */
export function redactSecrets<T extends Record<string, unknown>>(schema: z.ZodObject, config: T): T {
  const copy = structuredClone(config) as Record<string, Record<string, unknown>>;
  for (const [section, s] of Object.entries(schema.shape as Shape)) {
    for (const [name, k] of Object.entries(sectionOf(s) ?? {})) {
      const value = copy[section]?.[name];
      if (docs.get(k)?.secret && typeof value === "string" && value !== "") {
        copy[section]![name] = value.replace(/(\/\/[^:/@]+:)[^@]*@/, "$1***@");
      }
    }
  }
  return copy as T;
}
