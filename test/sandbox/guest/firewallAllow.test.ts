import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildGuestScript } from '../../../src/guest/scripts';
import { parseGuestOutput, parseRunCommandResult } from '../../../src/guest/parse';
import { probeStatuses } from '../../../src/sandbox/derive/probeModel';
import { runCommandResult } from '../../../src/sandbox/guest';
import { chooseTool } from '../../../src/sandbox/guest/firewallAllow';
import { parseScenario, type GuestState } from '../../../src/sandbox/scenario';
import { createSandboxState, findGuest, type SandboxState } from '../../../src/sandbox/state';
import {
  buildGuestFirewallAllowScript,
  parseGuestFirewallAllowOutput,
} from '../../../src/remediate/guestFirewall';
import { ids, miniScenario } from '../miniScenario';

type GuestInput = Partial<Omit<GuestState, 'os'>> & { os: 'linux' | 'windows' };

const listening80 = [{ protocol: 'tcp' as const, address: '0.0.0.0', port: 80 }];
const probeDeny = { action: 'deny' as const, protocol: 'tcp' as const, port: 80, source: '168.63.129.16/32' };
const probeAllow = {
  action: 'allow' as const,
  protocol: 'tcp' as const,
  port: 80,
  source: '168.63.129.16/32',
};

function stateWith(guest: GuestInput): SandboxState {
  return createSandboxState(
    miniScenario((doc) => {
      (doc.guests as Record<string, unknown>)[ids.vm1] = guest;
    }),
  );
}

/** The real allow script through the simulator, read back with the real parsers. */
function runAllow(
  state: SandboxState,
  os: 'linux' | 'windows',
  tool?: string,
  nft?: Parameters<typeof buildGuestFirewallAllowScript>[3],
) {
  const { commandId, script } = buildGuestFirewallAllowScript(os, 80, tool, nft);
  const { stdout } = parseRunCommandResult(runCommandResult(state, ids.vm1, { commandId, script }));
  return { stdout, result: parseGuestFirewallAllowOutput(stdout) };
}

const WEB = '/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-web-prod/providers';

/** What the real script's `persist=` line says per tool (src/remediate/guestFirewall.ts). */
const KEPT: Record<string, string> = {
  iptables: 'none',
  ufw: 'ufw',
  firewalld: 'firewalld-permanent',
  nftables: 'none',
};

describe('guest firewall allow script in the simulator', () => {
  it.each([
    ['iptables', 'iptables', undefined],
    ['ufw', 'ufw', undefined],
    ['firewalld', 'firewalld', undefined],
    ['iptables', undefined, undefined],
    ['nftables', 'nftables', { family: 'inet', table: 'filter', chain: 'input' }],
  ] as const)('%s guest, script tool %s: adds the allow at the top', (firewallTool, tool, nft) => {
    // Prepare
    const state = stateWith({ os: 'linux', listening: listening80, firewall: [probeDeny], firewallTool });

    // Act
    const { stdout, result } = runAllow(state, 'linux', tool, nft);

    // Assess
    // The real script's last line: how the tool keeps the rule (ufw and firewalld do; iptables and nft not).
    expect(stdout).toBe(`tool=${firewallTool}\nresult=added\npersist=${KEPT[firewallTool]}\n`);
    expect(result).toBe('added');
    expect(findGuest(state, ids.vm1)?.firewall).toEqual([probeAllow, probeDeny]);
    expect(state.version).toBe(1);
  });

  it.each(['iptables', 'ufw', 'firewalld', 'nftables'] as const)(
    'a second run on a %s guest reports present and changes nothing',
    (firewallTool) => {
      // Prepare
      const state = stateWith({ os: 'linux', listening: listening80, firewall: [probeDeny], firewallTool });
      const nft = { family: 'inet' as const, table: 'filter', chain: 'input' };
      runAllow(state, 'linux', firewallTool, nft);

      // Act
      const second = runAllow(state, 'linux', firewallTool, nft);

      // Assess
      expect(second.stdout).toBe(`tool=${firewallTool}\nresult=present\npersist=${KEPT[firewallTool]}\n`);
      expect(findGuest(state, ids.vm1)?.firewall).toEqual([probeAllow, probeDeny]);
      expect(state.version).toBe(1);
    },
  );

  it.each([
    // ufw and firewalld match the rule's text, so an owner's identical allow is "present".
    ['ufw', 'present', [probeAllow]],
    // iptables -C matches the probe-doctor comment too: the owner's rule is not it.
    ['iptables', 'added', [probeAllow, probeAllow]],
  ] as const)('an owner allow already there on %s: %s', (firewallTool, expected, firewall) => {
    const state = stateWith({ os: 'linux', listening: listening80, firewall: [probeAllow], firewallTool });
    const { result } = runAllow(state, 'linux', firewallTool);
    expect(result).toBe(expected);
    expect(findGuest(state, ids.vm1)?.firewall).toEqual(firewall);
  });

  it('auto on a native nftables guest refuses without a tool line and changes nothing', () => {
    const state = stateWith({
      os: 'linux',
      listening: listening80,
      firewall: [probeDeny],
      firewallTool: 'nftables',
    });
    const { stdout, result } = runAllow(state, 'linux');
    expect([stdout, result]).toEqual(['result=unsupported\n', 'unsupported']);
    expect(findGuest(state, ids.vm1)?.firewall).toEqual([probeDeny]);
    expect(state.version).toBe(0);
  });

  it('windows: added, then present, in the Windows Run Command shape', () => {
    // Prepare
    const state = stateWith({ os: 'windows', listening: listening80, firewall: [] });

    // Act
    const first = runAllow(state, 'windows');
    const second = runAllow(state, 'windows');

    // Assess
    expect([first.stdout, second.stdout]).toEqual([
      'result=added\npersist=windows-firewall\n',
      'result=present\npersist=windows-firewall\n',
    ]);
    expect(findGuest(state, ids.vm1)?.firewall).toEqual([probeAllow]);
  });

  it('on the shipped guest-firewall-drop scenario, the next guest check and probe see the allow', () => {
    // Prepare
    const file = join(__dirname, '../../../scenarios/guest-firewall-drop.json');
    const state = createSandboxState(parseScenario(JSON.parse(readFileSync(file, 'utf8')), file));
    const web1 = `${WEB}/Microsoft.Compute/virtualMachines/web-1`;
    const probeOf = () =>
      probeStatuses(state, `${WEB}/Microsoft.Network/loadBalancers/lb-web-prod`).find(
        (s) => s.vmId?.toLowerCase() === web1.toLowerCase(),
      );
    const before = probeOf();
    const allow = buildGuestFirewallAllowScript('linux', 80, 'iptables');

    // Act
    const out = parseRunCommandResult(runCommandResult(state, web1, allow)).stdout;
    const check = buildGuestScript(
      'linux',
      { protocol: 'Http', port: 80, requestPath: '/healthz' },
      '10.10.1.5',
    );
    const { stdout } = parseRunCommandResult(runCommandResult(state, web1, check));
    const evidence = parseGuestOutput(
      'linux',
      stdout,
      { protocol: 'Http', port: 80, requestPath: '/healthz' },
      '10.10.1.5',
    );

    // Assess
    expect(out).toBe('tool=iptables\nresult=added\npersist=none\n');
    expect([before?.state, before?.stage]).toEqual(['Down', 'firewall']);
    expect(probeOf()?.state).toBe('Up');
    expect(evidence.firewall.find((f) => f.tool === 'iptables')).toMatchObject({
      decision: 'allow',
      rule: '-A INPUT -s 168.63.129.16/32 -p tcp -m tcp --dport 80 -j ACCEPT',
    });
  });

  it.each([
    [{ os: 'linux', firewallTool: 'ufw' }, undefined, 'ufw'],
    [{ os: 'linux', firewallTool: 'firewalld' }, 'auto', 'firewalld'],
    [{ os: 'linux', firewallTool: 'nftables' }, undefined, 'unsupported'],
    [{ os: 'linux' }, undefined, 'iptables'],
    [{ os: 'linux', firewallTool: 'ufw' }, 'iptables', 'iptables'],
    [{ os: 'windows' }, undefined, 'windows'],
  ] as const)('chooseTool(%p, %p) is %s', (guest, requested, expected) => {
    const g = stateWith(guest).guests.get(ids.vm1.toLowerCase()) as GuestState;
    expect(chooseTool(g, guest.os, requested)).toBe(expected);
  });
});
