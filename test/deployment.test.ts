// docker-compose.yml and the Dockerfile cannot run here (no Docker engine); this holds them to the code:
// every variable they set is a real configuration key with a valid value, the ports are the ones the
// services listen on, and every command they run exists.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { loadConfig } from "../src/config.ts";

const root = new URL("..", import.meta.url);
const compose = parse(readFileSync(new URL("docker-compose.yml", root), "utf8")) as {
  services: Record<
    string,
    {
      command?: string[];
      environment?: Record<string, string>;
      ports?: string[];
      build?: string;
      image?: string;
      depends_on?: Record<string, unknown>;
    }
  >;
  volumes: Record<string, unknown>;
};

/** Compose's ${VAR:-default} / ${VAR:?message} substitution, with every required variable given a sample value. */
function substitute(value: string): string {
  return value.replace(
    /\$\{([A-Z0-9_]+)(:-([^}]*)|:\?[^}]*)?\}/g,
    (_m, name: string, _op, fallback?: string) => {
      const samples: Record<string, string> = {
        L2_RPC_URL: "http://op-geth:8545",
        BABYLON_RPC_URL: "http://babylon:26657",
        FINALITY_CONTRACT: "bbn1contract",
        PROVIDER_PASSPHRASE: "x",
      };
      return samples[name] ?? fallback ?? "";
    },
  );
}

describe("docker-compose.yml", () => {
  it("configures each gadget service with real keys and valid values", () => {
    for (const name of ["finality-gadget", "finality-gadget-standby"]) {
      const service = compose.services[name]!;
      expect(service.build).toBe(".");
      expect(service.command).toEqual(["start"]);
      const env = Object.fromEntries(
        Object.entries(service.environment ?? {}).map(([k, v]) => [k, substitute(String(v))]),
      );
      const config = loadConfig({ env });
      expect(config.database.url).toMatch(/^postgres:\/\/gadget:.*@postgres:5432\/gadget$/);
      expect(config.l2.rpc_url).toBe("http://op-geth:8545");
      expect(config.babylon.contract_address).toBe("bbn1contract");
      expect(config.api.host).toBe("0.0.0.0");
      const containerPorts = (service.ports ?? []).map((p) => Number(String(p).split(":")[1]));
      expect(containerPorts).toEqual([config.api.http_port, config.api.grpc_port]);
      expect(service.depends_on).toHaveProperty("postgres");
    }
  });

  it("runs commands the CLI has, and declares the volumes it mounts", () => {
    const cli = readFileSync(new URL("src/cli.ts", root), "utf8");
    expect(cli).toContain('case "start"');
    const provider = compose.services["finality-provider"]!;
    expect(provider.command?.slice(0, 2)).toEqual(["provider", "start"]);
    const providerCli = readFileSync(new URL("provider/cli.ts", root), "utf8");
    expect(providerCli).toContain("--home");
    expect(Object.keys(provider.environment ?? {})).toContain("OBF_PROVIDER_PASSPHRASE");
    expect(readFileSync(new URL("provider/config.ts", root), "utf8")).toContain('"OBF_PROVIDER_PASSPHRASE"');
    for (const volume of ["pgdata", "provider-home"]) expect(compose.volumes).toHaveProperty(volume);
    expect(compose.services.postgres!.image).toMatch(/^postgres:15/);
  });

  it("builds an image whose entrypoint is the CLI", () => {
    const dockerfile = readFileSync(new URL("Dockerfile", root), "utf8");
    expect(dockerfile).toMatch(/^FROM node:20/m);
    expect(dockerfile).toContain('ENTRYPOINT ["./bin/op-btc-finality.js"]');
    expect(dockerfile).toContain("npm ci");
  });
});
