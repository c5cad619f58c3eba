import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import request from 'supertest';
import { parse } from 'yaml';
import { RunningGateway, startTestGateway } from '../support/gateway';

const root = resolve(__dirname, '../..');

interface Rule {
  alert: string;
  expr: string;
  labels: { severity: string };
  annotations: { summary: string };
}

/** Metric names an expression reads (a histogram's _bucket/_count/_sum belong to its family). */
function metricsIn(expression: string): string[] {
  return [...expression.matchAll(/\bsgw_[a-z0-9_]+/g)].map(([name]) =>
    name.replace(/_(bucket|count|sum)$/, ''),
  );
}

/** What operators plug in (ops/): alert rules and a dashboard, held to what /metrics really serves. */
describe('Prometheus alert rules and the Grafana dashboard', () => {
  let gateway: RunningGateway;
  let served: Set<string>;

  beforeAll(async () => {
    gateway = await startTestGateway({ USAGE_SAMPLE_INTERVAL_SECONDS: '300' });
    const text = (await request(gateway.url).get('/metrics').expect(200)).text;
    served = new Set([...text.matchAll(/^# TYPE (\S+) /gm)].map(([, name]) => name));
  });
  afterAll(async () => {
    await gateway?.close();
  });

  it('has the alerts operators need, each well formed and reading only metrics the gateway serves', () => {
    const rules = (
      parse(readFileSync(resolve(root, 'ops/prometheus/alerts.yml'), 'utf8')) as {
        groups: { name: string; rules: Rule[] }[];
      }
    ).groups.flatMap((group) => group.rules);
    expect(rules.map((rule) => rule.alert).sort()).toEqual([
      'HighServerErrorRate',
      'JobsFailing',
      'ProviderAccountAuthFailing',
      'ProviderCircuitOpen',
      'UsageSamplingStalled',
      'WebhookBacklogOld',
    ]);
    for (const rule of rules) {
      expect({ alert: rule.alert, severity: ['warning', 'critical'].includes(rule.labels.severity) }).toEqual(
        {
          alert: rule.alert,
          severity: true,
        },
      );
      expect(rule.annotations.summary.length).toBeGreaterThan(10);
      const names = metricsIn(rule.expr);
      expect({ alert: rule.alert, read: names.length > 0 }).toEqual({ alert: rule.alert, read: true });
      for (const name of names)
        expect({ alert: rule.alert, name, served: served.has(name) }).toEqual({
          alert: rule.alert,
          name,
          served: true,
        });
    }
  });

  it('draws panels from metrics the gateway serves, every one of them', () => {
    const dashboard = JSON.parse(
      readFileSync(resolve(root, 'ops/grafana/sub-user-gateway.json'), 'utf8'),
    ) as {
      uid: string;
      panels: { title: string; targets: { expr: string }[] }[];
    };
    expect(dashboard.uid).toBe('sub-user-gateway');
    const drawn = new Set<string>();
    for (const panel of dashboard.panels) {
      expect({ panel: panel.title, targets: panel.targets.length > 0 }).toEqual({
        panel: panel.title,
        targets: true,
      });
      for (const target of panel.targets) {
        for (const name of metricsIn(target.expr)) {
          expect({ panel: panel.title, name, served: served.has(name) }).toEqual({
            panel: panel.title,
            name,
            served: true,
          });
          drawn.add(name);
        }
      }
    }
    // Nothing the gateway itself measures is left off (prom-client's process defaults may be).
    const own = [...served].filter((name) => name.startsWith('sgw_') && !/^sgw_(process|nodejs)_/.test(name));
    expect(own.filter((name) => !drawn.has(name))).toEqual([]);
  });
});
