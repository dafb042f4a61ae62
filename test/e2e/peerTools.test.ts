/**
 * A Linux peer with neither `timeout` nor `nc` (scenario `guests.*.tools: []`) cannot test TCP: the
 * peer test script finds neither with `command -v` and connects to nothing. Validation must then say
 * the peer's answer is unknown, and why, never "reachable" or "unreachable".
 *
 * fixtures/cases/tester/val-linuxpeer-notools.json came from a new-user trial (copied unedited): the
 * subnet NSG blocks the probe on two backends, and the healthy peer vm-orders-03 has no tools.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../src/cli/main';
import type { Report } from '../../src/model/report';

const SCENARIO = join(__dirname, '..', 'fixtures', 'cases', 'tester', 'val-linuxpeer-notools.json');

describe('a peer without a TCP test tool', () => {
  it('validates from per-rule health alone and says the peer test gave no answer, and why', async () => {
    // Act (the trail goes to a temporary file: a fix run's default is the working directory)
    let out = '';
    const dir = mkdtempSync(join(tmpdir(), 'pd-peer-'));
    const log = join(dir, 'a.jsonl');
    const code = await main(
      ['node', 'probe-doctor', 'diagnose', '--scenario', SCENARIO, '--fix', '--json', '--audit-log', log],
      { out: (t) => void (out += t), err: () => undefined },
    );
    rmSync(dir, { recursive: true, force: true });

    // Assess
    const report = JSON.parse(out) as Report;
    const validation = report.validation ?? [];
    expect(validation).toHaveLength(2);
    for (const v of validation) {
      expect(v.tcp).toMatchObject({
        reachable: false,
        tool: 'unknown',
        detail: 'no TCP test tool on the peer (not installed: timeout, nc)',
      });
      expect(v.explanation).toMatch(/gave no answer for this backend: no TCP test tool on the peer/);
      expect(v.health).toBe('Up');
    }
    expect(report.verdict).toBe('resolved');
    expect(code).toBe(0);
  }, 60_000);
});
