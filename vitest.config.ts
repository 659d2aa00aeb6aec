import { defineConfig } from 'vitest/config';

// Two projects: `unit` needs no cluster and runs in seconds; `integration` starts (or
// reuses through KUBECONFIG) a real control plane once for the whole run.
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: [
            'operator/**/*.test.ts',
            'cmd/**/*.test.ts',
            'hack/**/*.test.ts',
            'devcluster/**/*.test.ts',
          ],
          environment: 'node',
        },
      },
      {
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          globalSetup: ['test/integration/global-setup.ts'],
          environment: 'node',
          testTimeout: 120_000,
          hookTimeout: 300_000,
          // One control plane on two cores: files run one after another so timings stay
          // predictable; tests inside a file use their own names and namespaces.
          fileParallelism: false,
        },
      },
    ],
  },
});
