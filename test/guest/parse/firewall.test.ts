import { evaluateFirewalld, parseFirewalldListAll } from '../../../src/guest/parse/firewalld';
import { evaluateIptables, parseIptables } from '../../../src/guest/parse/iptables';
import { evaluateNft, parseNftRuleset } from '../../../src/guest/parse/nft';
import { evaluateUfw, parseUfwStatus } from '../../../src/guest/parse/ufw';
import { fixture } from './fixtures';

const NIC = '10.0.0.4';

describe('iptables: walk INPUT for the probe, OUTPUT for its reply', () => {
  it.each([
    [
      'linux/iptables-save__drop-168.63.129.16-and-port-rules.txt',
      80,
      'deny',
      '-A INPUT -p tcp -m tcp --dport 80 -j DROP',
    ],
    [
      'linux/iptables-save__drop-168.63.129.16-and-port-rules.txt',
      443,
      'deny',
      '-A INPUT -p tcp -m tcp --dport 443 -j REJECT --reject-with icmp-port-unreachable',
    ],
    // waagent-style OUTPUT rules drop NEW connections to 168.63.129.16, not the ESTABLISHED reply.
    ['linux/iptables-save__drop-168.63.129.16-and-port-rules.txt', 8080, 'allow', '-P INPUT ACCEPT'],
    [
      'linux/iptables-S__drop-168.63.129.16-and-port-rules.txt',
      80,
      'deny',
      '-A INPUT -p tcp -m tcp --dport 80 -j DROP',
    ],
    [
      'linux/iptables-S__drop-168.63.129.16-and-port-rules.txt',
      22,
      'allow',
      '-A INPUT -p tcp -m tcp --dport 22 -j ACCEPT',
    ],
    [
      'linux/iptables-L-n__drop-168.63.129.16-and-port-rules.txt',
      80,
      'deny',
      'DROP       6    --  0.0.0.0/0            0.0.0.0/0            tcp dpt:80',
    ],
    ['linux/iptables-L-n__drop-168.63.129.16-and-port-rules.txt', 8080, 'allow', '-P INPUT ACCEPT'],
    [
      'linux/iptables-L-n-v__drop-168.63.129.16-and-port-rules.txt',
      443,
      'deny',
      '0     0 REJECT     6    --  *      *       0.0.0.0/0            0.0.0.0/0            tcp dpt:443 reject-with icmp-port-unreachable',
    ],
    ['linux/iptables-L-n-v__drop-168.63.129.16-and-port-rules.txt', 8080, 'allow', '-P INPUT ACCEPT'],
    [
      'linux/iptables-L-INPUT-n-v-line-numbers__drop-80-reject-443.txt',
      80,
      'deny',
      '4        0     0 DROP       6    --  *      *       0.0.0.0/0            0.0.0.0/0            tcp dpt:80',
    ],
    // An unconditional OUTPUT drop to 168.63.129.16 drops the reply too.
    [
      'linux/iptables-save__legacy-backend-drop-168.63.129.16.txt',
      8080,
      'deny',
      '-A OUTPUT -d 168.63.129.16/32 -j DROP',
    ],
    [
      'linux/iptables-L-n-v__legacy-backend-drop-168.63.129.16.txt',
      8080,
      'deny',
      '0     0 DROP       0    --  *      *       0.0.0.0/0            168.63.129.16',
    ],
    [
      'linux/iptables-save__legacy-backend-drop-168.63.129.16.txt',
      3000,
      'deny',
      '-A INPUT -p tcp -m tcp --dport 3000 -j REJECT --reject-with icmp-host-prohibited',
    ],
    // ufw: INPUT jumps through ufw-before-input (ufw-not-local RETURNs for LOCAL) into ufw-user-input.
    [
      'linux/iptables-save__ufw-active-chains.txt',
      80,
      'deny',
      '-A ufw-user-input -p tcp -m tcp --dport 80 -j DROP',
    ],
    [
      'linux/iptables-save__ufw-active-chains.txt',
      22,
      'allow',
      '-A ufw-user-input -p tcp -m tcp --dport 22 -j ACCEPT',
    ],
    ['linux/iptables-save__ufw-active-chains.txt', 8080, 'deny', '-P INPUT DROP'],
    [
      'linux/iptables-L-ufw-user-input-n-v__ufw-deny-80.txt',
      80,
      'deny',
      '0     0 DROP       6    --  *      *       0.0.0.0/0            0.0.0.0/0            tcp dpt:80',
    ],
  ])('%s, probe port %d: %s', (file, port, decision, rule) => {
    // Act
    const verdict = evaluateIptables(parseIptables(fixture(file)), { port, nicAddress: NIC });

    // Assess
    expect(verdict).toMatchObject({ tool: 'iptables', decision, rule });
  });

  it('names the OUTPUT drop as the reason when the reply is dropped', () => {
    const verdict = evaluateIptables(
      parseIptables(fixture('linux/iptables-save__legacy-backend-drop-168.63.129.16.txt')),
      {
        port: 80,
        nicAddress: NIC,
      },
    );
    expect(verdict.detail).toBe('OUTPUT drops the reply to 168.63.129.16');
  });
});

describe('nftables', () => {
  it.each([
    [
      'linux/nft-list-ruleset__inet-filter-policy-drop-reject-80-443.txt',
      80,
      'deny',
      'tcp dport { 80, 443 } reject with tcp reset',
    ],
    [
      'linux/nft-list-ruleset__inet-filter-policy-drop-reject-80-443.txt',
      8080,
      'deny',
      'tcp dport 8080 drop',
    ],
    ['linux/nft-list-ruleset__inet-filter-policy-drop-reject-80-443.txt', 22, 'allow', 'tcp dport 22 accept'],
    [
      'linux/nft-list-ruleset__inet-filter-policy-drop-reject-80-443.txt',
      9090,
      'deny',
      'table inet filter chain input policy drop',
    ],
    [
      'linux/nft-a-list-ruleset__with-handles.txt',
      443,
      'deny',
      'tcp dport { 80, 443 } reject with tcp reset',
    ],
    [
      'linux/nft-list-ruleset__iptables-nft-backend-drop-168.63.129.16.txt',
      80,
      'deny',
      'tcp dport 80 counter packets 0 bytes 0 drop',
    ],
    [
      'linux/nft-list-ruleset__iptables-nft-backend-drop-168.63.129.16.txt',
      8080,
      'allow',
      'table ip filter chain INPUT policy accept',
    ],
    ['linux/nft-list-ruleset__empty.txt', 80, 'allow', 'no base chain'],
  ])('%s, probe port %d: %s', (file, port, decision, rule) => {
    const verdict = evaluateNft(parseNftRuleset(fixture(file)), { port, nicAddress: NIC });
    expect(verdict).toMatchObject({ tool: 'nftables', decision, rule });
  });

  it('reports an empty ruleset as inactive', () => {
    expect(
      evaluateNft(parseNftRuleset(fixture('linux/nft-list-ruleset__empty.txt')), {
        port: 80,
        nicAddress: NIC,
      }).active,
    ).toBe(false);
  });
});

describe('ufw status', () => {
  it.each([
    [
      'linux/ufw-status-verbose__active-deny-80-reject-443.txt',
      80,
      true,
      'deny',
      '80/tcp                     DENY IN     Anywhere',
    ],
    [
      'linux/ufw-status-verbose__active-deny-80-reject-443.txt',
      443,
      true,
      'deny',
      '443/tcp                    REJECT IN   Anywhere',
    ],
    [
      'linux/ufw-status-verbose__active-deny-80-reject-443.txt',
      22,
      true,
      'allow',
      '22/tcp                     ALLOW IN    Anywhere',
    ],
    // 8080 is allowed only from 10.0.0.0/24; the probe comes from 168.63.129.16.
    [
      'linux/ufw-status-verbose__active-deny-80-reject-443.txt',
      8080,
      true,
      'deny',
      'Default: deny (incoming)',
    ],
    ['linux/ufw-status__active.txt', 8080, true, 'unknown', undefined],
    ['linux/ufw-status__active.txt', 80, true, 'deny', '80/tcp                     DENY        Anywhere'],
    [
      'linux/ufw-status-numbered__active.txt',
      443,
      true,
      'deny',
      '443/tcp                    REJECT IN   Anywhere',
    ],
    ['linux/ufw-status-verbose__inactive.txt', 80, false, 'allow', undefined],
    ['linux/ufw-status__inactive.txt', 80, false, 'allow', undefined],
  ])('%s, probe port %d', (file, port, active, decision, rule) => {
    const verdict = evaluateUfw(parseUfwStatus(fixture(file)), { port, nicAddress: NIC });
    expect(verdict).toMatchObject({ tool: 'ufw', active, decision });
    expect(verdict.rule).toBe(rule);
  });
});

describe('firewalld --list-all', () => {
  it.each([
    ['linux/firewall-cmd-list-all__public-default-ssh-dhcpv6.txt', 22, 'allow', 'services: ssh'],
    ['linux/firewall-cmd-list-all__public-default-ssh-dhcpv6.txt', 80, 'deny', 'target: default'],
    // The reject rich rule names destination 168.63.129.16: it never matches a probe addressed to the NIC.
    ['linux/firewall-cmd-list-all__public-http-8080-rich-rules.txt', 80, 'allow', 'services: http'],
    ['linux/firewall-cmd-list-all__public-http-8080-rich-rules.txt', 8080, 'allow', 'ports: 8080/tcp'],
    ['linux/firewall-cmd-list-all__public-http-8080-rich-rules.txt', 3306, 'deny', 'target: default'],
  ])('%s, probe port %d: %s', (file, port, decision, rule) => {
    const zone = parseFirewalldListAll(fixture(file));
    expect(zone).toBeDefined();
    expect(evaluateFirewalld(zone!, { port, nicAddress: NIC })).toMatchObject({
      tool: 'firewalld',
      decision,
      rule,
    });
  });
});
