import request from 'supertest';

export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** Parses Prometheus text exposition into samples (HELP and TYPE lines carry none). */
export function parseMetrics(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const match = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match) throw new Error(`not a Prometheus sample line: ${line}`);
    const labels: Record<string, string> = {};
    for (const [, name, value] of (match[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g))
      labels[name] = value;
    samples.push({ name: match[1], labels, value: Number(match[3]) });
  }
  return samples;
}

/**
 * The value of the sample named `name` whose labels include `labels`; 0 when there is none yet (a
 * counter or histogram child that has not been touched prints no sample).
 */
export function sampleValue(samples: Sample[], name: string, labels: Record<string, string> = {}): number {
  const matching = samples.filter(
    (sample) =>
      sample.name === name && Object.entries(labels).every(([key, value]) => sample.labels[key] === value),
  );
  if (matching.length > 1)
    throw new Error(`${name} ${JSON.stringify(labels)} matches ${matching.length} samples`);
  return matching[0]?.value ?? 0;
}

/** Scrapes /metrics (with the metrics token when one is given) and parses it. */
export async function scrape(url: string, token?: string): Promise<Sample[]> {
  const call = request(url).get('/metrics');
  const response = await (token ? call.set('authorization', `Bearer ${token}`) : call).expect(200);
  return parseMetrics(response.text);
}

/** Scrapes until `name`/`labels` reaches `expected` (metrics recorded just after an answer), or the deadline passes. */
export async function waitForSample(
  url: string,
  name: string,
  labels: Record<string, string>,
  expected: number,
  token?: string,
): Promise<number> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const value = sampleValue(await scrape(url, token), name, labels);
    if (value >= expected || Date.now() > deadline) return value;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
