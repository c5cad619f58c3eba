// Summarises a V8 .cpuprofile (node --cpu-prof): the functions with the most self time, and the
// same grouped by package (node_modules/<name>, node: internals, the project's own code).
//   node bench/lib/cpu-profile.js <file.cpuprofile> [top=25] [skipSeconds=0] [untilSeconds]
// skipSeconds leaves out the first seconds of the profile (start-up, module loading, set-up);
// untilSeconds the rest after it (a scenario's later phases), so one phase can be read alone.
'use strict';

const fs = require('node:fs');

function summarize(file, top = 25, skipSeconds = 0, untilSeconds = Infinity) {
  const profile = JSON.parse(fs.readFileSync(file, 'utf8'));
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const selfMicros = new Map();
  const deltas = profile.timeDeltas;
  let elapsed = 0;
  for (let i = 0; i < profile.samples.length; i++) {
    elapsed += deltas[i] ?? 0;
    if (elapsed < skipSeconds * 1e6) continue;
    if (elapsed > untilSeconds * 1e6) break;
    const id = profile.samples[i];
    selfMicros.set(id, (selfMicros.get(id) ?? 0) + (deltas[i] ?? 0));
  }
  const total = [...selfMicros.values()].reduce((a, b) => a + b, 0);
  const byFunction = new Map();
  const byPackage = new Map();
  for (const [id, micros] of selfMicros) {
    const { callFrame } = byId.get(id);
    const where = callFrame.url.replace(/^file:\/\//, '').replace(/^.*\/work\/main\//, '');
    const name = `${callFrame.functionName || '(anonymous)'} ${where ? `${where}:${callFrame.lineNumber + 1}` : ''}`;
    byFunction.set(name, (byFunction.get(name) ?? 0) + micros);
    byPackage.set(packageOf(callFrame), (byPackage.get(packageOf(callFrame)) ?? 0) + micros);
  }
  const rows = (map) =>
    [...map.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([name, micros]) => ({
        name,
        ms: Math.round(micros / 1000),
        percent: Math.round((micros / total) * 1000) / 10,
      }));
  return { totalMs: Math.round(total / 1000), functions: rows(byFunction), packages: rows(byPackage) };
}

function packageOf(callFrame) {
  const url = callFrame.url;
  if (!url) return callFrame.functionName.startsWith('(') ? callFrame.functionName : '(native)';
  if (url.startsWith('node:')) return 'node:' + url.slice(5).split('/')[0];
  const match = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (match) return match[1];
  if (url.includes('/dist/'))
    return (
      'project: ' +
      url
        .replace(/^.*\/dist\/apps\/gateway\//, '')
        .split('/')
        .slice(0, 4)
        .join('/')
    );
  return url;
}

if (require.main === module) {
  const [file, top, skip, until] = process.argv.slice(2);
  if (!file) {
    process.stderr.write(
      'usage: node bench/lib/cpu-profile.js <file.cpuprofile> [top] [skipSeconds] [untilSeconds]\n',
    );
    process.exit(1);
  }
  const summary = summarize(file, Number(top ?? 25), Number(skip ?? 0), Number(until ?? Infinity));
  process.stdout.write(`total sampled: ${summary.totalMs} ms\n\nby package (self time)\n`);
  for (const row of summary.packages)
    process.stdout.write(`${String(row.percent).padStart(6)}%  ${row.name}\n`);
  process.stdout.write('\nby function (self time)\n');
  for (const row of summary.functions)
    process.stdout.write(`${String(row.percent).padStart(6)}%  ${row.name}\n`);
}

module.exports = { summarize };
