/**
 * Audit events as JSON lines (one event per line), to a file or to a stream such as stdout. This is
 * the trail a run can be reviewed from without Azure (`probe-doctor audit --file`), and the sink that
 * can say "written" and mean it: each emit resolves only after its line is written and, for a file,
 * fsync'd (fdatasync), and rejects with the system's reason when it is not.
 */
import { open, type FileHandle } from 'node:fs/promises';
import { AuditWriteError, messageOf } from './errors';
import { parseAuditEvent, type AuditEvent } from './events';
import type { AuditSink } from './sink';

/** Where the lines go: a file handle or a stream, behind the three operations the sink needs. */
interface LineWriter {
  readonly where: string;
  write(line: string): Promise<void>;
  close(): Promise<void>;
}

function fileWriter(handle: FileHandle, path: string): LineWriter {
  return {
    where: path,
    async write(line) {
      await handle.write(line);
      // The remediation code makes a change only after its event is written; a page-cache write
      // lost in a crash would leave a change with no trail, hence the data sync per event.
      await handle.datasync();
    },
    close: () => handle.close(),
  };
}

function streamWriter(stream: NodeJS.WritableStream, where: string): LineWriter {
  return {
    where,
    write: (line) =>
      new Promise<void>((resolve, reject) => {
        stream.write(line, (err) => (err ? reject(err) : resolve()));
      }),
    // stdout and other shared streams are not ours to end.
    close: () => Promise.resolve(),
  };
}

export class JsonLinesAuditSink implements AuditSink {
  readonly name = 'json-lines';
  /** Writes run one after another so lines never interleave and order matches emit order. */
  private tail: Promise<void> = Promise.resolve();
  private closed = false;

  private constructor(private readonly writer: LineWriter) {}

  /** Appends to `path` (created if missing). Rejects with AuditWriteError when it cannot be opened. */
  static async toFile(path: string): Promise<JsonLinesAuditSink> {
    try {
      return new JsonLinesAuditSink(fileWriter(await open(path, 'a'), path));
    } catch (err) {
      throw new AuditWriteError(`Cannot open audit file ${path}: ${messageOf(err)}`, 'json-lines', {
        cause: err,
      });
    }
  }

  /** Writes to a stream (stdout by default); the stream is left open on close. */
  static toStream(stream: NodeJS.WritableStream = process.stdout, where = 'stdout'): JsonLinesAuditSink {
    return new JsonLinesAuditSink(streamWriter(stream, where));
  }

  emit(event: AuditEvent): Promise<void> {
    // Validation throws synchronously inside the promise: a malformed event is never written.
    const line = Promise.resolve().then(() => `${JSON.stringify(parseAuditEvent(event))}\n`);
    const write = this.tail.then(async () => {
      const text = await line;
      if (this.closed) {
        throw new AuditWriteError(
          `Cannot write audit event ${event.name}: the audit log ${this.writer.where} is closed.`,
          this.name,
        );
      }
      try {
        await this.writer.write(text);
      } catch (err) {
        throw new AuditWriteError(
          `Cannot write audit event ${event.name} to ${this.writer.where}: ${messageOf(err)}`,
          this.name,
          { cause: err },
        );
      }
    });
    // The next write waits for this one, but must not inherit its failure.
    this.tail = write.catch(() => undefined);
    return write;
  }

  /** Every emit is already durable when it resolves; this waits for writes still in flight. */
  flush(): Promise<void> {
    return this.tail;
  }

  async close(): Promise<void> {
    await this.tail;
    if (this.closed) return;
    this.closed = true;
    await this.writer.close();
  }
}
