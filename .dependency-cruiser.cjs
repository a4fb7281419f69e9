/** Import boundaries of ../shared/DESIGN.md, enforced by `npm run lint`. */
module.exports = {
  forbidden: [
    {
      name: 'kernel-imports-nothing',
      comment: 'kernel imports nothing of Keel outside itself',
      severity: 'error',
      from: { path: '^src/kernel/' },
      to: { path: '^src/', pathNot: '^src/kernel/' },
    },
    {
      name: 'model-imports-nothing',
      comment: 'model imports nothing of Keel but the kernel-free model itself',
      severity: 'error',
      from: { path: '^src/model/' },
      to: { path: '^src/', pathNot: '^src/model/' },
    },
    {
      name: 'domain-boundaries',
      comment: 'a domain imports kernel, model and its own folder only',
      severity: 'error',
      from: { path: '^src/domains/([^/]+)/' },
      to: { path: '^src/', pathNot: ['^src/kernel/', '^src/model/', '^src/domains/$1/'] },
    },
    {
      name: 'flows-use-public-faces',
      comment: 'flows reach domains only through their index.ts',
      severity: 'error',
      from: { path: '^src/flows/' },
      to: { path: '^src/domains/[^/]+/(?!index\\.ts$)' },
    },
    {
      name: 'only-app-chooses-adapters',
      comment: 'platform adapters are chosen in app.ts (and tests/bench), nowhere else',
      severity: 'error',
      from: { path: '^src/', pathNot: ['^src/app\\.ts$', '^src/platform/'] },
      to: { path: '^src/platform/' },
    },
    {
      name: 'no-circular',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default', 'types'], extensions: ['.ts', '.js'] },
  },
};
