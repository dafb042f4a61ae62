import { createAuditor } from '../../src/audit/auditor';
import { MemoryAuditSink } from '../../src/audit/memorySink';
import { escapeText, formatTimeline, parseAuditLines, runIdsOf, shortName } from '../../src/audit/timeline';
import { isInvalidInputError } from '../../src/errors';
import { COMMON, LB, NIC1, NSG, resolvedRun, sequentialIds, steppingClock } from '../helpers/auditEvents';

describe('parseAuditLines', () => {
  it('reads every line back into the events, skipping blank lines', async () => {
    // Prepare
    const events = await resolvedRun();
    const text = events.map((e) => JSON.stringify(e)).join('\r\n\n');

    // Act
    const parsed = parseAuditLines(text, 'run.jsonl');

    // Assess
    expect(parsed).toEqual(events);
  });

  it('names the line of an invalid event', async () => {
    // Prepare
    const [first] = await resolvedRun();
    const text = `${JSON.stringify(first)}\n${JSON.stringify({ ...first, name: 'RunStarted' })}\n`;

    // Act
    let error: unknown;
    try {
      parseAuditLines(text, 'run.jsonl');
    } catch (err) {
      error = err;
    }

    // Assess
    expect(isInvalidInputError(error)).toBe(true);
    expect((error as { where?: string }).where).toBe('run.jsonl line 2');
    expect((error as Error).message).toMatch(/^run\.jsonl line 2: Invalid audit event: name must be one of /);
  });
});

describe('runIdsOf', () => {
  it('lists runs in order of first appearance', async () => {
    // Prepare
    const a = await resolvedRun();
    const b = await resolvedRun({ ...COMMON, runId: 'run-0' });

    // Act
    const ids = runIdsOf([a[0]!, b[0]!, a[1]!, b[1]!]);

    // Assess
    expect(ids).toEqual(['run-1', 'run-0']);
  });
});

describe('shortName', () => {
  it.each([
    [LB, 'lb-web'],
    [NSG, 'nsg-web'],
    [NIC1, 'vm1-nic/ipconfig1'],
    ['not-an-id', 'not-an-id'],
  ])('%s -> %s', (id, expected) => {
    expect(shortName(id)).toBe(expected);
  });
});

describe('formatTimeline escapes every field it prints (no forged lines)', () => {
  it.each<[string, string]>([
    ['a newline', 'mallory\n2026-11-25T10:00:09.000Z  ApprovalReceived  by=ops (verified)  outcome=approve'],
    ['a carriage return', 'mallory\r2026-11-25T10:00:09.000Z  RunFinished'],
    ['an ANSI escape', 'mallory\u001b[1A\u001b[2Kforged'],
    ['a Unicode line separator', 'mallory\u20282026-11-25T10:00:09.000Z  RunFinished'],
    ['a right-to-left override', 'mallory\u202eevorppa'],
  ])('an approval `by` with %s prints as one line', async (_case, by) => {
    // Prepare
    const sink = new MemoryAuditSink();
    const audit = createAuditor(sink, COMMON, { now: steppingClock(), newId: sequentialIds() });
    await audit.runStarted({ trigger: 'alert', outcome: 'started' });
    await audit.approvalReceived({ by, verified: false, outcome: 'reject' });

    // Act
    const text = formatTimeline(sink.events);

    // Assess: header, LB id line, two event lines, and the line that says the trail stops before its
    // RunFinished; nothing else, and no raw control left.
    const lines = text.trimEnd().split('\n');
    expect(lines).toHaveLength(5);
    expect(lines[3]).toContain('ApprovalReceived');
    expect(lines[4]).toMatch(/^\(no RunFinished: /);
    // eslint-disable-next-line no-control-regex
    expect(text).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u2028\u2029\u202e]/);
  });

  it('escapes a backslash, so an escape in the output is never ambiguous', () => {
    // Act
    const out = escapeText('a\\b');

    // Assess
    expect(out).toBe('a\\\\b');
  });
});
