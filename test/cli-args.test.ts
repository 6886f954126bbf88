// The one command-line parser: values inline or next, booleans without one, repeatable options, defaults,
// configuration flags apart, and every mistake a UsageError that names the argument.
import { describe, expect, it } from "vitest";
import { parseCommandLine, UsageError } from "../src/cli-args.ts";
import { ConfigError } from "../src/errors.ts";

const spec = {
  positionals: true,
  configFlags: true,
  options: {
    out: { type: "string", default: "devnet.json" },
    name: { type: "string" },
    target: { type: "string", multiple: true },
    help: { type: "boolean", short: "h" },
  },
} as const;

describe("parseCommandLine", () => {
  it("reads --name=value and --name value, booleans, repeated options, defaults and configuration flags", () => {
    const parsed = parseCommandLine(
      ["start", "--name=a", "--target", "x", "-h", "--target=y", "--api.http_port", "8081", "now"],
      spec,
    );
    expect(parsed.values).toEqual({ out: "devnet.json", name: "a", target: ["x", "y"], help: true });
    expect(parsed.positionals).toEqual(["start", "now"]);
    expect(parsed.configFlags).toEqual({ "api.http_port": "8081" });
  });

  it.each([
    [["--nope"], "unknown option --nope"],
    [["-x"], "unknown option -x"],
    [["--name"], "--name needs a value"],
    [["--name", "--help"], "--name needs a value"],
    [["--help=yes"], "--help takes no value"],
    [["--api.http_port"], "--api.http_port needs a value"],
  ])("rejects %j: %s", (argv, message) => {
    expect(() => parseCommandLine(argv, spec)).toThrow(UsageError);
    expect(() => parseCommandLine(argv, spec)).toThrow(message);
  });

  it("takes no positional or configuration flag unless asked, and its errors are configuration errors", () => {
    const strict = { options: { name: { type: "string" } } } as const;
    expect(() => parseCommandLine(["now"], strict)).toThrow('unexpected argument "now"');
    expect(() => parseCommandLine(["--api.http_port=1"], strict)).toThrow("unknown option --api.http_port");
    expect(() => parseCommandLine(["now"], strict)).toThrow(ConfigError);
  });
});
