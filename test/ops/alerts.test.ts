// The operator's kit in ops/: promtool validates the alert rules and the Prometheus config and runs the rules'
// unit tests (Debian's `prometheus` package provides promtool; .ci/run installs it), and the compose
// `monitoring` profile mounts what exists and scrapes the services compose defines, on their ports.
import { execFileSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";

const root = fileURLToPath(new URL("../..", import.meta.url));
const prometheusDir = `${root}ops/prometheus`;

function promtool(...args: string[]): string {
  return execFileSync("promtool", args, { cwd: prometheusDir, encoding: "utf8" });
}

describe("ops/prometheus", () => {
  it("has valid alert rules whose unit tests pass", () => {
    expect(promtool("check", "rules", "alerts.yml")).toMatch(/SUCCESS: 8 rules found/);
    expect(promtool("test", "rules", "alerts.test.yml")).toMatch(/SUCCESS/);
  });

  it("tests every alert it defines", () => {
    const rules = parse(readFileSync(`${prometheusDir}/alerts.yml`, "utf8")) as {
      groups: { rules: { alert: string }[] }[];
    };
    const alerts = rules.groups.flatMap((g) => g.rules.map((r) => r.alert));
    const tests = parse(readFileSync(`${prometheusDir}/alerts.test.yml`, "utf8")) as {
      tests: { alert_rule_test: { alertname: string; exp_alerts?: unknown[] }[] }[];
    };
    const firing = new Set(
      tests.tests.flatMap((t) =>
        t.alert_rule_test.filter((a) => a.exp_alerts?.length).map((a) => a.alertname),
      ),
    );
    const silent = new Set(
      tests.tests.flatMap((t) =>
        t.alert_rule_test.filter((a) => !a.exp_alerts?.length).map((a) => a.alertname),
      ),
    );
    for (const alert of alerts) {
      expect(firing, `${alert} is never shown firing`).toContain(alert);
      expect(silent, `${alert} is never shown silent`).toContain(alert);
    }
  });

  it("has a valid Prometheus config that loads the rules", () => {
    expect(promtool("check", "config", "prometheus.yml")).toMatch(/SUCCESS: 8 rules found/);
  });
});

describe("docker-compose `monitoring` profile", () => {
  const compose = parse(readFileSync(`${root}docker-compose.yml`, "utf8")) as {
    services: Record<
      string,
      { profiles?: string[]; volumes?: string[]; ports?: string[]; command?: string[] }
    >;
  };

  it("mounts the rules, the dashboards and their provisioning from ops/", () => {
    for (const name of ["prometheus", "grafana"]) {
      const service = compose.services[name]!;
      expect(service.profiles).toEqual(["monitoring"]);
      for (const volume of service.volumes ?? []) {
        const source = volume.split(":")[0]!;
        if (source.startsWith("./")) expect(existsSync(`${root}${source.slice(2)}`), volume).toBe(true);
      }
    }
    const dashboards = readdirSync(`${root}ops/grafana/dashboards`);
    expect(dashboards.sort()).toEqual(["gadget.json", "provider.json"]);
  });

  it("scrapes services compose defines, on the ports they serve /metrics on", () => {
    const config = parse(readFileSync(`${prometheusDir}/prometheus.yml`, "utf8")) as {
      scrape_configs: { job_name: string; static_configs: { targets: string[] }[] }[];
    };
    const targets = config.scrape_configs.flatMap((s) => s.static_configs.flatMap((c) => c.targets));
    for (const target of targets) {
      const [host, port] = target.split(":");
      const service = compose.services[host!];
      expect(service, target).toBeDefined();
      const containerPorts = (service!.ports ?? []).map((p) => String(p).split(":")[1]!.split(" ")[0]);
      expect(containerPorts, target).toContain(port);
    }
  });
});
