/**
 * ARM's RunCommandResult in its two shapes: Linux (RunShellScript) returns one status whose message is
 * `Enable succeeded: \n[stdout]\n...\n[stderr]\n...`; Windows (RunPowerShellScript) returns
 * `ComponentStatus/StdOut/succeeded` and `ComponentStatus/StdErr/succeeded`, each message one stream.
 */
import { z } from 'zod';
import { InvalidInputError } from '../../errors';

const statusSchema = z.object({
  code: z.string().optional(),
  message: z.string().nullish(),
});
const resultSchema = z.object({ value: z.array(statusSchema) });

const STDOUT_MARK = '[stdout]\n';
const STDERR_MARK = '[stderr]';

/** Parses a RunCommandResult body into stdout and stderr. Throws `InvalidInputError` on another shape. */
export function parseRunCommandResult(body: unknown): { stdout: string; stderr: string } {
  const parsed = resultSchema.safeParse(body);
  if (!parsed.success) {
    throw new InvalidInputError('run command result: expected { value: [{ code, message }] }', '$.value');
  }
  const statuses = parsed.data.value;
  const byCode = (suffix: RegExp) => statuses.find((s) => s.code !== undefined && suffix.test(s.code));
  const out = byCode(/^ComponentStatus\/StdOut\//i);
  const err = byCode(/^ComponentStatus\/StdErr\//i);
  if (out !== undefined || err !== undefined) {
    return { stdout: out?.message ?? '', stderr: err?.message ?? '' };
  }
  const message = statuses.map((s) => s.message ?? '').join('\n');
  // Found with indexOf, not a regex: a lazy `[\s\S]*?` retried from every `[stdout]` in a large
  // message is quadratic (270 KB took over 30 s); this is one pass.
  const start = message.indexOf(STDOUT_MARK);
  const stderrAt = start < 0 ? -1 : message.indexOf(STDERR_MARK, start + STDOUT_MARK.length);
  if (stderrAt < 0) return { stdout: message, stderr: '' };
  const stdout = message.slice(start + STDOUT_MARK.length, stderrAt);
  const stderr = message.slice(stderrAt + STDERR_MARK.length);
  return {
    stdout: stdout.endsWith('\n') ? stdout.slice(0, -1) : stdout,
    stderr: (stderr.startsWith('\n') ? stderr.slice(1) : stderr).replace(/\n$/, ''),
  };
}
