/**
 * Settings every vitest project shares. Tests run against the TypeScript sources: the
 * `@winmdm/source` export condition points each workspace package at its `src/index.ts`,
 * so no build is needed before `npm test`.
 */
export const shared = {
  resolve: { conditions: ['@winmdm/source'] },
  ssr: { resolve: { conditions: ['@winmdm/source'] } },
  test: {
    include: ['test/**/*.test.ts', 'src/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
};
