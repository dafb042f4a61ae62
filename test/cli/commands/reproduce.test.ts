import { existsSync } from 'node:fs';
import { isAbsolute, join, relative } from 'node:path';
import { reproduceCommand } from '../../../src/cli/commands/diagnose';
import { projectRoot } from '../../../src/version';

describe('reproduceCommand', () => {
  it('names the launcher and the scenario by absolute paths, so the line works pasted in any directory', () => {
    // Prepare: the scenario given relative to the current directory, as a person types it.
    const scenario = join(projectRoot(), 'scenarios', 'nsg-deny-all-blocks-probe.json');
    const typed = relative(process.cwd(), scenario);

    // Act
    const line = reproduceCommand({ scenario: typed, fix: true });

    // Assess
    expect(isAbsolute(typed)).toBe(false);
    const launcher = join(projectRoot(), 'bin', 'probe-doctor.js');
    expect(line).toBe(`node ${launcher} diagnose --scenario ${scenario} --fix`);
    expect([existsSync(launcher), existsSync(scenario)]).toEqual([true, true]);
  });
});
