import { parseAuditLines, runIdsOf, shortName } from '../../src/audit/timeline';
import { isInvalidInputError } from '../../src/errors';
import { COMMON, LB, NIC1, NSG, resolvedRun } from '../helpers/auditEvents';

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
