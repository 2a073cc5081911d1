// Adds up the test runners' JSON reports and the failed steps into one closing line.
import fs from 'node:fs';
import path from 'node:path';

const [dir, ...failedSteps] = process.argv.slice(2);
/** Failures of one Vitest report: failed tests, plus files that failed outside any test. */
function vitestFailures(report) {
  const broken = report.testResults.filter(
    (r) => r.status === 'failed' && !r.assertionResults.some((a) => a.status === 'failed'),
  );
  return { failed: report.numFailedTests + broken.length, broken };
}

let passed = 0;
let failed = 0;
let skipped = 0;
const lines = [];
for (const file of fs.existsSync(dir) ? fs.readdirSync(dir) : []) {
  const report = JSON.parse(fs.readFileSync(path.join(dir, file), 'utf8'));
  let p, f, s;
  if ('numPassedTests' in report) {
    // Vitest
    p = report.numPassedTests;
    // A file that failed outside any test (a beforeAll, an import) counts as one failure; its tests
    // show as skipped, and they are not counted as skipped then.
    const { failed: vf, broken: brokenFiles } = vitestFailures(report);
    const skippedByBroken = brokenFiles.reduce((n, r) => n + r.assertionResults.filter((a) => a.status !== 'passed').length, 0);
    f = vf;
    s = report.numPendingTests + report.numTodoTests - skippedByBroken;
  } else {
    // Playwright
    p = report.stats.expected + report.stats.flaky;
    f = report.stats.unexpected;
    s = report.stats.skipped;
  }
  lines.push(`  ${file.replace(/\.json$/, '').padEnd(18)} ${p} passed, ${f} failed, ${s} skipped`);
  passed += p;
  failed += f;
  skipped += s;
}
// A failed step counts as one failure unless its own report already shows failing tests (a type
// check, lint or build failure, or a runner that crashed before writing its report).
const reportOf = {
  'unit + integration on PGlite': 'vitest-pglite.json',
  'integration on PostgreSQL': 'vitest-postgres.json',
  'lab (real namespaces, as root)': 'vitest-lab.json',
  'browser (Playwright + Chromium)': 'e2e.json',
};
for (const step of failedSteps) {
  const file = reportOf[step];
  const own = file && fs.existsSync(path.join(dir, file)) ? JSON.parse(fs.readFileSync(path.join(dir, file), 'utf8')) : undefined;
  const ownFailures = own ? ('numPassedTests' in own ? vitestFailures(own).failed : own.stats.unexpected) : 0;
  if (ownFailures === 0) failed += 1;
  lines.push(`  step failed: ${step}`);
}
console.log('\n=== summary');
for (const l of lines) console.log(l);
if (skipped > 0) console.log(`  ${skipped} test(s) were SKIPPED`);
console.log(`${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
process.exit(failed > 0 ? 1 : 0);
