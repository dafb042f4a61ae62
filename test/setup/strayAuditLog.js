/**
 * Jest global setup and teardown: a fix run without `--audit-log` writes `probe-doctor-audit.jsonl`
 * in the working directory, which for the suite is the repository. Tests give their runs a temporary
 * trail; this fails the run when one did not (the file names the run, so it is easy to find).
 */
const { existsSync, statSync } = require('node:fs');
const { join } = require('node:path');

const STRAY = join(__dirname, '..', '..', 'probe-doctor-audit.jsonl');

/** The file's modification time before the suite, or undefined when there was none. */
const before = () => (existsSync(STRAY) ? statSync(STRAY).mtimeMs : undefined);

module.exports = {
  setup: () => {
    globalThis.__strayAuditLogBefore = before();
  },
  teardown: () => {
    const now = before();
    if (now !== undefined && now !== globalThis.__strayAuditLogBefore) {
      throw new Error(
        `a test wrote ${STRAY} (a fix run without --audit-log): give that run a temporary trail, and delete the file`,
      );
    }
  },
};
