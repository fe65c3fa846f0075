import os from 'node:os';
import path from 'node:path';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts', 'test/**/*.test.tsx'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Processes, not threads: the code under test (and the in-process CLI harness) uses process-wide things that
    // worker threads lack or share: chdir, signal handlers, process.exitCode.
    pool: 'forks',
    maxWorkers: 2,
    // One module graph per worker instead of one per test file: re-importing zod schemas, ink and the openai SDK
    // for each of ~75 files was most of the run (measured on the loaded 2-core machine, the non-e2e files:
    // about 3x faster). Tests must therefore restore any process-wide state they change, as runCli does.
    isolate: false,
    reporters: ['default', './test/helpers/summaryReporter.ts'],
    // `cxrvqa run` and the app remember the last run under the config dir: never the developer's own.
    env: { XDG_CONFIG_HOME: path.join(os.tmpdir(), `cxrvqa-test-config-${process.pid}`) },
  },
});
