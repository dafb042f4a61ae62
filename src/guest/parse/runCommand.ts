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
  const m = /\[stdout\]\n([\s\S]*?)\n?\[stderr\]\n?([\s\S]*)$/.exec(message);
  if (m) return { stdout: m[1] ?? '', stderr: (m[2] ?? '').replace(/\n$/, '') };
  return { stdout: message, stderr: '' };
}
