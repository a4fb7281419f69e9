#!/usr/bin/env node
// The installed `keel` command: runs the compiled CLI (npm run build, or npm install, produces dist/).
import('../dist/cli/main.js').catch((err) => {
  if (err && err.code === 'ERR_MODULE_NOT_FOUND') {
    process.stderr.write('keel: dist/ is missing; run `npm run build` first\n');
    process.exit(1);
  }
  throw err;
});
