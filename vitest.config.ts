import { defineConfig } from 'vitest/config';

// Two kinds of projects share this file:
// - `harness`: edge-evals' own tests (`npm test`); they start every server they need.
// - one project per model under evaluation (`npm run eval`), added by the eval suite.
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'harness',
          include: ['test/**/*.test.ts'],
          testTimeout: 60_000,
          hookTimeout: 60_000,
        },
      },
    ],
  },
});
