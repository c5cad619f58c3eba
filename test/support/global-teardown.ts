import { rmSync } from 'node:fs';
import { dirname } from 'node:path';

/** Removes the embedded-database template ./global-setup.ts built. */
export default function globalTeardown(): void {
  const file = process.env.SGW_TEST_PGLITE_TEMPLATE;
  if (file) rmSync(dirname(file), { recursive: true, force: true });
}
