/**
 * Prints one plain closing line, `tests: N passed, N failed, N skipped`, after jest's own summary, so
 * tools that read a run's last lines (CI) see the counts in a runner-neutral form.
 */
class PlainSummaryReporter {
  onRunComplete(_contexts, results) {
    const { numPassedTests, numFailedTests, numPendingTests, numTodoTests } = results;
    process.stderr.write(
      `tests: ${numPassedTests} passed, ${numFailedTests} failed, ${numPendingTests + numTodoTests} skipped\n`,
    );
  }
}

module.exports = PlainSummaryReporter;
