/**
 * The docs' commands run as written: every `node bin/probe-doctor.js ...` line in a ```sh block of
 * README.md and docs/*.md that has no placeholder (`<...>`, `[...]`, `...`) is run through the CLI's
 * entry point, in document order, in a scratch folder that sees the repository's scenarios, and must
 * not end in exit code 2 (bad input or an error).
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../src/cli/main';

const ROOT = join(__dirname, '../..');

/** The runnable CLI lines of one Markdown file, comments cut, arguments split on spaces. */
function documentedCommands(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const blocks = [...text.matchAll(/```sh\n([\s\S]*?)```/g)].map((m) => m[1] ?? '');
  return blocks
    .flatMap((b) => b.split('\n'))
    .map((line) => line.replace(/\s+#.*$/, '').trim())
    .filter((line) => line.startsWith('node bin/probe-doctor.js'))
    .filter((line) => !/[<[]|\.\.\./.test(line));
}

const files = ['README.md', ...readdirSync(join(ROOT, 'docs')).map((f) => join('docs', f))].filter((f) =>
  f.endsWith('.md'),
);
const commands = files.flatMap((f) => documentedCommands(join(ROOT, f)).map((c) => [f, c] as const));

describe('documented commands', () => {
  let scratch: string;
  let previous: string;
  beforeAll(() => {
    previous = process.cwd();
    scratch = mkdtempSync(join(tmpdir(), 'pd-docs-'));
    symlinkSync(join(ROOT, 'scenarios'), join(scratch, 'scenarios'));
    symlinkSync(join(ROOT, 'examples'), join(scratch, 'examples'));
    process.chdir(scratch);
  });
  afterAll(() => {
    process.chdir(previous);
    rmSync(scratch, { recursive: true, force: true });
  });

  it('finds the commands the README and the report doc show', () => {
    expect(commands.map(([, c]) => c)).toEqual(
      expect.arrayContaining([
        'node bin/probe-doctor.js diagnose --scenario scenarios/nsg-deny-all-blocks-probe.json',
        'node bin/probe-doctor.js audit --file probe-doctor-audit.jsonl',
        'node bin/probe-doctor.js check-change --plan examples/check-change/plan.json --scenario scenarios/healthy.json',
        'node bin/probe-doctor.js diagnose --scenario scenarios/nsg-deny-all-blocks-probe.json --format html --out report.html',
      ]),
    );
  });

  it.each(commands)(
    '%s: %s',
    async (_file, command) => {
      // Act
      let err = '';
      const code = await main(['node', ...command.split(/\s+/).slice(1)], {
        out: () => undefined,
        err: (t) => void (err += t),
      });

      // Assess
      expect({ code, err: code === 2 ? err : '' }).toEqual({ code: expect.any(Number), err: '' });
      expect([0, 1]).toContain(code);
    },
    90_000,
  );
});
