/**
 * The undo of an applied guest firewall allow (src/report/commands.ts): only what this run added is
 * undone. Where the script found the allow already there (`result: present`), the rule is the VM
 * owner's, and an undo would remove it.
 */
import type { FixReport, Report } from '../../src/model/report';
import { commandsForFix } from '../../src/report/commands';

const VM = '/subscriptions/s/resourceGroups/rg/providers/Microsoft.Compute/virtualMachines/web-1';
const report = { backends: [], fixes: [], causes: [] } as unknown as Report;

function applied(result: 'added' | 'present', undo?: string): FixReport {
  return {
    kind: 'guest-firewall-allow',
    status: 'applied',
    target: VM,
    detail: {
      os: 'linux',
      port: 80,
      tool: 'ufw',
      result,
      persistent: true,
      ...(undo ? { undo } : {}),
    },
  };
}

describe('the undo of a guest firewall allow', () => {
  it('is given for a rule this run added, and not for one the owner already had', () => {
    // Act
    const added = commandsForFix(
      applied('added', 'ufw delete allow proto tcp from 168.63.129.16 to any port 80'),
      report,
    );
    const present = commandsForFix(applied('present'), report);

    // Assess
    expect(added.undo).toEqual([
      expect.stringContaining('ufw delete allow proto tcp from 168.63.129.16 to any port 80'),
    ]);
    expect(present.undo).toEqual([]);
  });
});

describe('the note on a guest firewall allow that does not survive a reboot', () => {
  const iptables = (status: FixReport['status']): FixReport => ({
    kind: 'guest-firewall-allow',
    status,
    target: VM,
    detail: {
      os: 'linux',
      port: 80,
      tool: 'iptables',
      ...(status === 'applied' ? { persistent: false } : {}),
    },
  });

  it('says once that the rule this run added does not survive a reboot, or the one the command adds would not', () => {
    // Act
    const applied = commandsForFix(iptables('applied'), report).note;
    const planned = commandsForFix(iptables('planned'), report).note;

    // Assess
    expect(applied).toMatch(
      /^the guest firewall rule does not survive a reboot: probe-doctor does not save /,
    );
    expect(planned).toMatch(
      /^the guest firewall rule would not survive a reboot: probe-doctor does not save /,
    );
    expect(`${applied} ${planned}`).not.toMatch(/runtime only|reboot: does not survive/);
  });
});
