import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Writable } from 'node:stream';
import { isAuditWriteError, isInvalidAuditEventError } from '../../src/audit/errors';
import type { AuditEvent } from '../../src/audit/events';
import { JsonLinesAuditSink } from '../../src/audit/jsonLinesSink';
import { resolvedRun } from '../helpers/auditEvents';

describe('JsonLinesAuditSink', () => {
  let dir: string;
  let events: AuditEvent[];

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'probe-doctor-jsonl-'));
    events = await resolvedRun();
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('appends one JSON line per event, in emit order, readable back as the same events', async () => {
    // Prepare
    const path = join(dir, 'run.jsonl');
    await writeFile(path, `${JSON.stringify(events[0])}\n`);
    const sink = await JsonLinesAuditSink.toFile(path);

    // Act: emits started together must still land in order.
    await Promise.all(events.slice(1).map((e) => sink.emit(e)));
    await sink.close();

    // Assess
    const lines = (await readFile(path, 'utf8')).trimEnd().split('\n');
    expect(lines.map((l) => JSON.parse(l) as AuditEvent)).toEqual(events);
  });

  it('rejects a malformed event and writes nothing for it', async () => {
    // Prepare
    const path = join(dir, 'malformed.jsonl');
    const sink = await JsonLinesAuditSink.toFile(path);
    const bad = { ...events[0]!, runId: '' } as AuditEvent;

    // Act
    const emitted = sink.emit(bad);

    // Assess
    await expect(emitted).rejects.toThrow('Invalid ProbeDoctor.RunStarted: runId must not be empty.');
    await expect(emitted.catch((e: unknown) => isInvalidAuditEventError(e))).resolves.toBe(true);
    await sink.emit(events[1]!);
    await sink.close();
    expect((await readFile(path, 'utf8')).trimEnd().split('\n')).toHaveLength(1);
  });

  it('fails loudly when the file cannot be opened', async () => {
    // Prepare
    const path = join(dir, 'missing-dir', 'run.jsonl');

    // Act
    const opened = JsonLinesAuditSink.toFile(path);

    // Assess
    await expect(opened).rejects.toThrow(
      `Cannot open audit file ${path}: ENOENT: no such file or directory, open '${path}'`,
    );
  });

  it('surfaces a stream write error to the emitting caller, and to every later one', async () => {
    // Prepare
    let calls = 0;
    const lines: string[] = [];
    const flaky = new Writable({
      write(chunk: Buffer, _enc, done) {
        calls += 1;
        if (calls === 1) return done(new Error('EPIPE: broken pipe'));
        lines.push(chunk.toString());
        done();
      },
    });
    flaky.on('error', () => undefined);
    const sink = JsonLinesAuditSink.toStream(flaky, 'pipe');

    // Act
    const first = sink.emit(events[0]!);

    // Assess
    await expect(first).rejects.toThrow(
      'Cannot write audit event ProbeDoctor.RunStarted to pipe: EPIPE: broken pipe',
    );
    await expect(first.catch((e: unknown) => isAuditWriteError(e))).resolves.toBe(true);
    // Node destroys a stream after a write error: later emits must fail too, not pass silently.
    await expect(sink.emit(events[1]!)).rejects.toThrow(
      'Cannot write audit event ProbeDoctor.BackendChecked to pipe: Cannot call write after a stream was destroyed',
    );
    expect(lines).toEqual([]);
  });

  it('writes to a stream and leaves it open on close', async () => {
    // Prepare
    const out = new PassThrough();
    const sink = JsonLinesAuditSink.toStream(out);

    // Act
    await sink.emit(events[0]!);
    await sink.close();

    // Assess
    expect(JSON.parse(String(out.read()))).toEqual(events[0]);
    expect(out.writableEnded).toBe(false);
    await expect(sink.emit(events[1]!)).rejects.toThrow(
      'Cannot write audit event ProbeDoctor.BackendChecked: the audit log stdout is closed.',
    );
  });
});
