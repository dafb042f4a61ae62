import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AuditEvent } from '../../../src/audit/events';
import { COMMON, resolvedRun } from '../../helpers/auditEvents';
import { runCli } from '../../helpers/cli';

const cli = (...args: string[]) => runCli(args);

const jsonl = (events: AuditEvent[]): string => events.map((e) => JSON.stringify(e)).join('\n') + '\n';

/** What JSON.parse of this Node.js says about text that is not JSON. */
function jsonParseMessage(text: string): string {
  try {
    JSON.parse(text);
  } catch (err) {
    return (err as Error).message;
  }
  throw new Error(`${text} is JSON`);
}

describe('probe-doctor audit', () => {
  let dir: string;
  let file: string;
  let events: AuditEvent[];

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'probe-doctor-audit-cli-'));
    events = [...(await resolvedRun()), ...(await resolvedRun({ ...COMMON, runId: 'run-2' }))];
    file = join(dir, 'run.jsonl');
    await writeFile(file, jsonl(events));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it("prints the run's timeline with before and after for changes", async () => {
    // Act
    const { code, out, err } = await cli('audit', '--file', file, '--run', 'run-1');

    // Assess
    expect(err).toBe('');
    expect(code).toBe(0);
    expect(out).toBe(
      [
        'Run run-1  load balancer lb-web  mode fix  alert alert-1',
        `  ${COMMON.loadBalancerId}`,
        '2026-11-25T10:00:00.000Z  RunStarted        trigger=alert  outcome=started',
        '2026-11-25T10:00:01.000Z  BackendChecked    backend=vm1-nic/ipconfig1 (10.0.1.4)  probe=down  causes=nsg-blocks-probe  outcome=causes-found',
        '2026-11-25T10:00:02.000Z  CauseFound        backend=vm1-nic/ipconfig1  cause=nsg-blocks-probe  "DenyAllInbound denies the probe"  outcome=found',
        '2026-11-25T10:00:03.000Z  FixPlanned        fix=nsg-allow-probe on nsg-web  cause=nsg-blocks-probe  backend=vm1-nic/ipconfig1  outcome=planned',
        '    before: null',
        '    after:  {"name":"allow-lb-probe-80","priority":3990,"access":"Allow"}',
        '2026-11-25T10:00:04.000Z  FixApplied        fix=nsg-allow-probe on nsg-web  cause=nsg-blocks-probe  backend=vm1-nic/ipconfig1  outcome=applied',
        '    before: null',
        '    after:  {"name":"allow-lb-probe-80","priority":3990,"access":"Allow"}',
        '2026-11-25T10:00:05.000Z  ValidationResult  backend=vm1-nic/ipconfig1  method=peer-tcp-ping  outcome=up',
        '2026-11-25T10:00:06.000Z  RunFinished       fixesApplied=1  backendsDown=0  causes=nsg-blocks-probe  outcome=resolved',
        '',
      ].join('\n'),
    );
  });

  it('reads a trail whose last write was cut short, leaving that line out and saying so', async () => {
    // Prepare: the process stopped mid-line: the last line has no line break and is not JSON.
    const cut = join(dir, 'cut.jsonl');
    const text = jsonl(events.filter((e) => e.runId === 'run-1'));
    await writeFile(cut, `${text}{"name":"ProbeDoctor.RunFin`);
    const lines = text.split('\n').length;

    // Act
    const { code, out, err } = await cli('audit', '--file', cut, '--run', 'run-1');

    // Assess
    expect(code).toBe(0);
    expect(out).toContain('RunFinished');
    expect(err).toBe(
      `probe-doctor: ${cut} line ${lines}: left out, a line cut short (its write did not finish)\n`,
    );
  });

  it('prints every run in the file when no run is named', async () => {
    // Act
    const { code, out } = await cli('audit', '--file', file);

    // Assess
    expect(code).toBe(0);
    expect(out.match(/^Run \S+/gm)).toEqual(['Run run-1', 'Run run-2']);
  });

  it.each([
    [
      'a missing file',
      (d: string) => join(d, 'nope.jsonl'),
      undefined,
      (f: string) => `probe-doctor: Cannot read audit file ${f}: no such file.\n`,
    ],
    [
      'a line that is not JSON',
      (d: string) => join(d, 'broken.jsonl'),
      (e: AuditEvent[]) => `${JSON.stringify(e[0])}\n\n{"name":"ProbeDoctor.FixApplied",\n`,
      // The parser's own words differ between Node.js majors (22 adds the line and column).
      (f: string) =>
        `probe-doctor: ${f} line 3: not JSON (${jsonParseMessage('{"name":"ProbeDoctor.FixApplied",')}).\n`,
    ],
    [
      'a line that is not a valid event',
      (d: string) => join(d, 'invalid.jsonl'),
      (e: AuditEvent[]) => jsonl([e[0]!, { ...e[4]!, after: '{oops' } as AuditEvent]),
      (f: string) => `probe-doctor: ${f} line 2: Invalid ProbeDoctor.FixApplied: after must be JSON text.\n`,
    ],
  ])('fails with exit code 2 on %s, naming the file and line', async (_case, path, content, message) => {
    // Prepare
    const target = path(dir);
    if (content) await writeFile(target, content(events));

    // Act
    const { code, out, err } = await cli('audit', '--file', target);

    // Assess
    expect(code).toBe(2);
    expect(out).toBe('');
    expect(err).toBe(message(target));
  });

  it('reads PROBE_DOCTOR_AUDIT_LOG_FILE when --file is not given, and asks for one when neither is', async () => {
    // Prepare
    const before = process.env.PROBE_DOCTOR_AUDIT_LOG_FILE;
    try {
      // Act
      process.env.PROBE_DOCTOR_AUDIT_LOG_FILE = file;
      const fromSetting = await cli('audit', '--run', 'run-1');
      const named = await cli('audit', '--file', file, '--run', 'run-1');
      delete process.env.PROBE_DOCTOR_AUDIT_LOG_FILE;
      const neither = await cli('audit', '--run', 'run-1');

      // Assess
      expect(fromSetting).toEqual(named);
      expect(fromSetting.code).toBe(0);
      expect(neither.code).toBe(2);
      expect(neither.out).toBe('');
      expect(neither.err).toContain('--file <file>');
      expect(neither.err).toContain('PROBE_DOCTOR_AUDIT_LOG_FILE');
    } finally {
      if (before === undefined) delete process.env.PROBE_DOCTOR_AUDIT_LOG_FILE;
      else process.env.PROBE_DOCTOR_AUDIT_LOG_FILE = before;
    }
  });

  it('names the runs the file has when the requested one is not there', async () => {
    // Act
    const { code, err } = await cli('audit', '--file', file, '--run', 'run-9');

    // Assess
    expect(code).toBe(2);
    expect(err).toBe(`probe-doctor: No events for run run-9 in ${file} (runs in the file: run-1, run-2).\n`);
  });
});
