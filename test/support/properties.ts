import fc from 'fast-check';

/**
 * How many runs each property makes: `PROPERTY_RUNS` (CI sets 500 in .ci/run), else the small
 * default that keeps `npm test` quick. A property asks for `runs(n)` where n is its share of the
 * budget relative to the others in its file (1 = the base number).
 */
export function propertyRuns(share = 1): number {
  const configured = Number(process.env.PROPERTY_RUNS);
  const base = Number.isInteger(configured) && configured > 0 ? configured : DEFAULT_RUNS;
  return Math.max(1, Math.round(base * share));
}

export const DEFAULT_RUNS = 25;

/**
 * A test timeout for a property of `runs` runs taking up to `msPerRun` each (on a busy machine):
 * never less than Jest's 60 s, and growing with PROPERTY_RUNS so 500 runs are not cut short.
 */
export function propertyTimeout(runs: number, msPerRun: number): number {
  return Math.max(60_000, runs * msPerRun);
}

/**
 * Replays one failure: `PROPERTY_SEED=<seed> PROPERTY_PATH=<path> npm test -- <file> -t '<test>'`
 * runs exactly the counterexample the failure printed (and only it, `endOnFailure`).
 */
function replayParameters<T>(): fc.Parameters<T> {
  const seed = process.env.PROPERTY_SEED;
  if (seed === undefined || seed === '') return {};
  const path = process.env.PROPERTY_PATH;
  return { seed: Number(seed), ...(path ? { path, endOnFailure: true } : {}) };
}

/**
 * fc.assert for async properties, whose failure says first how to run that very case again: the
 * seed, the path of the shrunk counterexample and the command; then fast-check's own report
 * (counterexample, error, shrinks).
 */
export async function assertProperty<T>(
  property: fc.IAsyncProperty<T>,
  parameters: fc.Parameters<T> = {},
): Promise<void> {
  const details = await fc.check(property, { ...parameters, ...replayParameters<T>() });
  if (!details.failed) return;
  const testName = expect.getState().currentTestName ?? '';
  const file = (expect.getState().testPath ?? '').replace(`${process.cwd()}/`, '');
  const replay =
    details.counterexamplePath === null
      ? `seed ${details.seed}`
      : `PROPERTY_SEED=${details.seed} PROPERTY_PATH=${details.counterexamplePath} npm test -- ${file} -t ${JSON.stringify(testName)}`;
  const report = (await fc.asyncDefaultReportMessage(details)) ?? 'property failed';
  const cause =
    details.errorInstance instanceof Error ? details.errorInstance.message : String(details.errorInstance);
  const error = new Error(`Property failed; to replay it: ${replay}\n\n${report}\n\nGot error: ${cause}`, {
    cause: details.errorInstance,
  });
  console.error(`Property failed (seed ${details.seed}, path ${details.counterexamplePath}): ${replay}`);
  throw error;
}
