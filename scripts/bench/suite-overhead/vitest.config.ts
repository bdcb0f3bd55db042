// vitest configuration of the suite-overhead benchmark (scripts/bench/suite-overhead.ts): the
// eval projects exactly as `npm run eval` makes them (one per model, one worker, no isolation,
// the same global setup and reporters), plus a setup file that timestamps every test. With
// BENCH_SUITE_VARIANT other than `ours`, the projects run one of the variant files here instead
// of evals/ (an empty test, a bare request, ...), with the same number of tests.
import { defineConfig } from 'vitest/config';
import { modelProjects } from '../../../src/suite/projects.ts';
import { PROJECT_ROOT } from '../../../src/util/paths.ts';

const variant = process.env.BENCH_SUITE_VARIANT ?? 'ours';
// BENCH_SUITE_FILES (comma-separated) runs those files instead, in the eval configuration.
const files = process.env.BENCH_SUITE_FILES?.split(',') ?? (variant.startsWith('ours') ? null : [`scripts/bench/suite-overhead/${variant}.bench.ts`]);
// BENCH_CPU_PROF_DIR: a CPU profile of each worker there (suite-overhead.ts --profile).
const profiles = process.env.BENCH_CPU_PROF_DIR;

export default defineConfig({
  root: PROJECT_ROOT,
  test: {
    // The edge-evals reporter writes every report, junit.xml included.
    reporters: variant === 'floor' ? ['default'] : ['default', './reporters/edge-evals-reporter.ts'],
    projects: modelProjects().map((project) => ({
      test: {
        ...project.test,
        ...(files === null ? {} : { include: files, exclude: [] }),
        setupFiles: ['./scripts/bench/suite-overhead/stamps.ts'],
        ...(profiles === undefined ? {} : { execArgv: ['--cpu-prof', `--cpu-prof-dir=${profiles}`, '--cpu-prof-interval=250'] }),
      },
    })),
  },
});
