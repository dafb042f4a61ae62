import { isUnsafeScriptValueError } from '../../src/errors';
import { parseScriptVariables } from '../../src/sandbox/guest/scriptVariables';
import {
  buildGuestFirewallAllowScript,
  parseGuestFirewallAllowOutput,
} from '../../src/remediate/guestFirewall';

describe('buildGuestFirewallAllowScript', () => {
  it.each<['linux' | 'windows', string | undefined, string, Record<string, string>]>([
    [
      'linux',
      'iptables',
      'RunShellScript',
      { PD_PORT: '8080', PD_SOURCE: '168.63.129.16', PD_TOOL: 'iptables' },
    ],
    [
      'linux',
      'windows-firewall',
      'RunShellScript',
      { PD_PORT: '8080', PD_SOURCE: '168.63.129.16', PD_TOOL: 'auto' },
    ],
    [
      'windows',
      undefined,
      'RunPowerShellScript',
      { PD_PORT: '8080', PD_SOURCE: '168.63.129.16', PD_NAME: 'probe-doctor-allow-probe-8080' },
    ],
  ])('%s with tool %s passes only validated, quoted values', (os, tool, commandId, vars) => {
    // Act
    const script = buildGuestFirewallAllowScript(os, 8080, tool);

    // Assess
    expect(script.commandId).toBe(commandId);
    expect(parseScriptVariables(script.script)).toEqual(vars);
  });

  it('checks before it adds, so a second run adds nothing', () => {
    // Act
    const lines = buildGuestFirewallAllowScript('linux', 80, 'iptables').script.join('\n');

    // Assess
    expect(lines).toContain('iptables -C INPUT -s "$PD_SOURCE" -p tcp --dport "$PD_PORT" -j ACCEPT');
    expect(lines.indexOf('iptables -C')).toBeLessThan(lines.indexOf('iptables -I'));
  });

  it('refuses a port that could not be a probe port', () => {
    // Act
    let error: unknown;
    try {
      buildGuestFirewallAllowScript('linux', 70000);
    } catch (err) {
      error = err;
    }

    // Assess
    expect(isUnsafeScriptValueError(error)).toBe(true);
    expect((error as Error).message).toBe('port must be an integer from 1 to 65535, got 70000');
  });
});

describe('parseGuestFirewallAllowOutput', () => {
  it.each<[string, string | undefined]>([
    ['tool=iptables\nresult=added\n', 'added'],
    ['tool=ufw\r\nresult=present\r\n', 'present'],
    ['result=no-tool\n', 'no-tool'],
    ['iptables: Permission denied\n', undefined],
  ])('%j -> %s', (stdout, expected) => {
    expect(parseGuestFirewallAllowOutput(stdout)).toBe(expected);
  });
});
