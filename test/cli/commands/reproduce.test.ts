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

  it('keeps the audit trail in the same file (absolute) and a sovereign cloud, never an endpoint or a token', () => {
    // Act
    const line = reproduceCommand({
      loadBalancer: '/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/loadBalancers/lb',
      cloud: 'AzureUSGovernment',
      auditLog: 'trails/run.jsonl',
      armEndpoint: 'https://management.local.azurestack.external',
      accessTokenEnv: 'ARM_TOKEN',
      fix: true,
    });

    // Assess
    expect(line).toContain(' --cloud AzureUSGovernment ');
    expect(line).toContain(` --audit-log ${join(process.cwd(), 'trails', 'run.jsonl')} `);
    expect(line).not.toMatch(/azurestack|ARM_TOKEN/);
    expect(reproduceCommand({ loadBalancer: 'x', cloud: 'AzureCloud' })).not.toContain('--cloud');
  });
});
