/**
 * A probe request path probe-doctor will not pass to a Run Command script (a space, shell characters)
 * is the probe's cause, for the customer: no ticket, no "Run Command failed" (none ran). From the
 * new-user trial of 2026-11-30 (test/fixtures/trial-2026-11-30/m1-path-inject.json, unedited).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Report } from '../../src/model/report';
import { runCli } from '../helpers/cli';

const FILE = join(__dirname, '../fixtures/trial-2026-11-30/m1-path-inject.json');

describe('an HTTP probe with an unusable request path', () => {
  it('is a probe-misconfigured cause for the customer, with no ticket and no claim a Run Command failed', async () => {
    // Act (the trail goes to a temporary file: a fix run's default is the working directory)
    const dir = mkdtempSync(join(tmpdir(), 'pd-path-'));
    const { out } = await runCli([
      'diagnose',
      '--scenario',
      FILE,
      '--fix',
      '--json',
      '--audit-log',
      join(dir, 'a.jsonl'),
    ]);
    rmSync(dir, { recursive: true, force: true });

    // Assess
    const report = JSON.parse(out) as Report;
    expect([report.verdict, report.whoMustAct]).toEqual(['action-required', 'customer']);
    expect(report.escalation).toBeUndefined();
    expect(report.causes.map((c) => c.id)).toEqual(['probe-misconfigured']);
    expect(report.causes[0]?.summary).toContain('which is not a valid URI path (RFC 3986;');
    expect(report.causes[0]?.summary).toContain('probe-doctor will not pass it to a Run Command script');
    for (const backend of report.backends) {
      expect(backend.causes).toEqual([]);
      expect(JSON.stringify(backend.notes)).toContain('was not checked: probe-doctor ran no Run Command');
      expect(JSON.stringify(backend.notes)).not.toContain('Run Command failed');
    }
  }, 60_000);
});
