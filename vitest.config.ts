import { defineConfig } from 'vitest/config';
import { modelProjects } from './src/suite/projects.ts';

// node-llama-cpp reads CI as a strict boolean and throws at import on an empty value (`CI=`);
// empty means unset to everyone else. Workers inherit this process's environment.
if (process.env.CI === '') delete process.env.CI;

// Two kinds of projects share this file:
// - `harness`: edge-evals' own tests (`npm test`); they start every server they need.
// - one project per model under evaluation (`npm run eval`), see src/suite/projects.ts.
export default defineConfig({
  test: {
    reporters: ['default', './reporters/edge-evals-reporter.ts'],
    projects: [
      {
        test: {
          name: 'harness',
          include: ['test/**/*.test.ts'],
          testTimeout: 60_000,
          hookTimeout: 60_000,
        },
      },
      ...modelProjects(),
    ],
  },
});
