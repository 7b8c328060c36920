import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    // Unit tests live beside the code; the acceptance tests that drive the built CLI live in test/.
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    globalSetup: ['test/global-setup.ts'],
    // Each acceptance case starts a sandbox (a Node process plus traced guests).
    testTimeout: 60_000,
    hookTimeout: 120_000,
  },
});
