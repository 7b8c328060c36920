import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    // dist/ holds compiled copies of src/: run the TypeScript sources only.
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
  },
});
