/**
 * The trail tells a run's story in order: the run that an alert starts says so before the alert storm
 * that joins it. The joining trigger writes its RunStarted (joined) at once, while the started run's own
 * RunStarted is written by its first activity, after the host has scheduled and replayed it: stamped
 * with the moment it was written, it came after the join (17 ms in the demo). It is stamped with the
 * moment the run started (its run id's start time, taken before the instance was created), which no
 * join can precede. Through the demo: the real alert trigger, the local durable host, the JSON lines
 * trail and the timeline `probe-doctor audit` prints.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseAuditLines, formatTimeline } from '../../src/audit/timeline';
import { runDemo } from '../../src/cli/demo';
import { startedAtOfRun } from '../../src/workflow/runId';

describe('RunStarted order in the trail', () => {
  it('the started run comes first, then the alert that joined it', async () => {
    // Prepare
    const auditDir = mkdtempSync(join(tmpdir(), 'pd-order-'));
    const io = { out: () => undefined, err: () => undefined };

    // Act
    const code = await runDemo(io, { auditDir });

    // Assess
    expect(code).toBe(0);
    const file = join(auditDir, 'audit.jsonl');
    const events = parseAuditLines(readFileSync(file, 'utf8'), file);
    const runId = events.find((e) => e.name === 'ProbeDoctor.RunStarted')?.runId ?? '';
    const run = events.filter((e) => e.runId === runId);
    const starts = run
      .filter((e) => e.name === 'ProbeDoctor.RunStarted')
      .map((e) => ({ outcome: (e as { outcome: string }).outcome, time: e.time }));
    expect(starts.map((s) => s.outcome).sort()).toEqual(['joined', 'started']);
    const started = starts.find((s) => s.outcome === 'started')!;
    const joined = starts.find((s) => s.outcome === 'joined')!;
    // When the run started: its run id's start time.
    expect(started.time).toBe(startedAtOfRun(runId)?.toISOString());
    expect(Date.parse(started.time)).toBeLessThan(Date.parse(joined.time));
    // The timeline (ordered by event time) opens with the start, then the join.
    const lines = formatTimeline(run)
      .split('\n')
      .filter((l) => /RunStarted/.test(l));
    expect(lines.map((l) => /outcome=(\w+)/.exec(l)?.[1])).toEqual(['started', 'joined']);
  });

  it.each<[string, string | undefined]>([
    ['20261130T102822123Z-pd-0123456789abcdef0123456789abcdef', '2026-11-30T10:28:22.123Z'],
    ['pd-0123456789abcdef0123456789abcdef', undefined],
    ['20261330T102822123Z-pd-x', undefined],
  ])('reads the start time of run id %s', (runId, iso) => {
    expect(startedAtOfRun(runId)?.toISOString()).toBe(iso);
  });
});
