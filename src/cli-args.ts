// The one command-line parser of every command (the gadget, the devnet, the provider, chaos, bench, mutate).
// Options are declared with their type; `--name=value` and `--name value` both work, a boolean takes no
// value, and an unknown option, a missing value or an unexpected argument is a UsageError naming it. The
// gadget's configuration flags (`--section.key=value`) are collected apart when `configFlags` is set.
import { ConfigError } from "./errors.ts";

/** A command line the command cannot run: the message names the argument and what it expects. */
export class UsageError extends ConfigError {}

export interface OptionSpec {
  type: "string" | "boolean";
  short?: string;
  /** Repeatable: the values in order. */
  multiple?: boolean;
  default?: string | boolean;
}

type ValueOf<S extends OptionSpec> = S["type"] extends "boolean"
  ? boolean
  : S["multiple"] extends true
    ? string[]
    : string;
type Values<O extends Record<string, OptionSpec>> = {
  [K in keyof O]: O[K]["default"] extends string | boolean ? ValueOf<O[K]> : ValueOf<O[K]> | undefined;
};

export interface ParseOptions<O extends Record<string, OptionSpec>> {
  options: O;
  /** Arguments that are not options are kept (else each is an error). */
  positionals?: boolean;
  /** `--section.key=value` flags are kept apart as configuration overrides. */
  configFlags?: boolean;
}

export interface ParsedCommandLine<O extends Record<string, OptionSpec>> {
  values: Values<O>;
  positionals: string[];
  configFlags: Record<string, string>;
}

export function parseCommandLine<O extends Record<string, OptionSpec>>(
  argv: readonly string[],
  spec: ParseOptions<O>,
): ParsedCommandLine<O> {
  const values: Record<string, unknown> = {};
  for (const [name, o] of Object.entries(spec.options)) if (o.default !== undefined) values[name] = o.default;
  const positionals: string[] = [];
  const configFlags: Record<string, string> = {};
  const byShort = new Map(
    Object.entries(spec.options).flatMap(([name, o]) => (o.short ? [[o.short, name] as const] : [])),
  );
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const short = /^-([A-Za-z])$/.exec(arg)?.[1];
    if (!arg.startsWith("--") && short === undefined) {
      if (!spec.positionals) throw new UsageError(`unexpected argument ${JSON.stringify(arg)}`);
      positionals.push(arg);
      continue;
    }
    const eq = arg.indexOf("=");
    const name = short !== undefined ? byShort.get(short) : arg.slice(2, eq === -1 ? undefined : eq);
    if (name === undefined) throw new UsageError(`unknown option ${arg}`);
    const next = argv[i + 1];
    const inline = eq === -1 || short !== undefined ? undefined : arg.slice(eq + 1);
    const takeValue = (): string => {
      if (inline !== undefined) return inline;
      if (next === undefined || next.startsWith("--")) throw new UsageError(`--${name} needs a value`);
      i++;
      return next;
    };
    if (spec.configFlags && name.includes(".")) {
      configFlags[name] = takeValue();
      continue;
    }
    const o = spec.options[name];
    if (!o) throw new UsageError(`unknown option --${name}`);
    if (o.type === "boolean") {
      if (inline !== undefined) throw new UsageError(`--${name} takes no value`);
      values[name] = true;
    } else if (o.multiple) {
      values[name] = [...((values[name] as string[] | undefined) ?? []), takeValue()];
    } else values[name] = takeValue();
  }
  return { values: values as Values<O>, positionals, configFlags };
}
