import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isUnsafeScriptValueError } from '../../src/errors';
import { parseScriptVariables } from '../../src/sandbox/guest/scriptVariables';
import { fixture } from '../guest/parse/fixtures';
import { evaluateIptables, parseIptables } from '../../src/guest/parse/iptables';
import {
  buildGuestFirewallAllowScript,
  firewalldUndo,
  firewallToolOf,
  guestFirewallCommands,
  parseFirewalldHalves,
  parseGuestFirewallAllowOutput,
  parseGuestFirewallPersistence,
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
    expect(lines).toContain(
      'iptables -C INPUT -s "$PD_SOURCE" -p tcp --dport "$PD_PORT" -m comment --comment probe-doctor -j ACCEPT',
    );
    expect(lines.indexOf('iptables -C')).toBeLessThan(lines.indexOf('iptables -I'));
  });

  it.each<[string, 'linux' | 'windows', string | undefined, string]>([
    ['iptables', 'linux', 'iptables', '-m comment --comment probe-doctor -j ACCEPT && echo result=added'],
    ['ufw', 'linux', 'ufw', `comment 'probe-doctor' >/dev/null && echo result=added`],
    ['nftables', 'linux', 'nftables', `accept comment '"probe-doctor"' && echo result=added`],
    [
      'Windows Firewall',
      'windows',
      undefined,
      "-Description 'probe-doctor: allows the Azure Load Balancer health probe",
    ],
  ])('marks the rule it adds as probe-doctor: %s', (_case, os, tool, marker) => {
    // Act
    const text = buildGuestFirewallAllowScript(os, 80, tool, {
      family: 'inet',
      table: 'filter',
      chain: 'input',
    }).script.join('\n');

    // Assess
    expect(text).toContain(marker);
  });

  it('uses ufw allow when there is no numbered rule to insert before', () => {
    // Act
    const lines = buildGuestFirewallAllowScript('linux', 80, 'ufw').script;

    // Assess
    const insert = lines.findIndex((l) => l.includes('ufw insert 1'));
    expect(lines[insert]).toContain(
      'elif ufw status numbered | grep -q "^\\[ *1\\]"; then ufw insert 1 allow',
    );
    expect(lines[insert + 1]).toMatch(
      /^ {4}else ufw allow proto tcp from "\$PD_SOURCE" to any port "\$PD_PORT"/,
    );
  });

  it('adds the firewalld rule to the runtime and the permanent set, each where missing, and never reloads', () => {
    // Act
    const text = buildGuestFirewallAllowScript('linux', 80, 'firewalld').script.join('\n');

    // Assess: a reload would drop every runtime-only rule an admin or another service added.
    expect(text).not.toContain('--reload');
  });

  describe('the firewalld branch, run by bash against a firewall-cmd that keeps its two rule sets in files', () => {
    const RICH = 'rule family=ipv4 source address=168.63.129.16 port port=80 protocol=tcp accept';
    // firewall-cmd as its documented CLI behaves for these calls: --query exits 0 when the rule is in
    // the set, --add and --remove change it; --permanent picks the permanent set, else the runtime one.
    const STUB = [
      '#!/bin/sh',
      'perm=0; op=; rule=',
      'for a in "$@"; do case "$a" in --permanent) perm=1;; --query-rich-rule=*) op=query; rule="${a#--query-rich-rule=}";; --add-rich-rule=*) op=add; rule="${a#--add-rich-rule=}";; --remove-rich-rule=*) op=remove; rule="${a#--remove-rich-rule=}";; esac; done',
      'f="$PD_STATE/runtime"; [ $perm = 1 ] && f="$PD_STATE/permanent"; touch "$f"',
      'case $op in query) grep -qxF "$rule" "$f";; add) echo "$rule" >> "$f";; remove) grep -vxF "$rule" "$f" > "$f.tmp"; mv "$f.tmp" "$f";; esac',
    ].join('\n');

    function firewalld(before: { runtime: boolean; permanent: boolean }) {
      const dir = mkdtempSync(join(tmpdir(), 'pd-fwd-'));
      writeFileSync(join(dir, 'firewall-cmd'), `${STUB}\n`);
      chmodSync(join(dir, 'firewall-cmd'), 0o755);
      writeFileSync(join(dir, 'runtime'), before.runtime ? `${RICH}\n` : '');
      writeFileSync(join(dir, 'permanent'), before.permanent ? `${RICH}\n` : '');
      const env = { ...process.env, PATH: `${dir}:${process.env.PATH ?? ''}`, PD_STATE: dir };
      const run = (script: string) => spawnSync('bash', ['-c', script], { env, encoding: 'utf8' }).stdout;
      const sets = () => ({
        runtime: readFileSync(join(dir, 'runtime'), 'utf8').includes(RICH),
        permanent: readFileSync(join(dir, 'permanent'), 'utf8').includes(RICH),
      });
      return { dir, run, sets };
    }

    it.each<[string, { runtime: boolean; permanent: boolean }, string | undefined, string]>([
      ['neither set has it', { runtime: false, permanent: false }, 'runtime,permanent', 'added'],
      [
        'only the permanent set has it (never reloaded)',
        { runtime: false, permanent: true },
        'runtime',
        'added',
      ],
      ['only the runtime set has it', { runtime: true, permanent: false }, 'permanent', 'added'],
      ['both have it', { runtime: true, permanent: true }, undefined, 'present'],
    ])('%s: adds the missing halves, and its undo takes out those only', (_, before, added, result) => {
      // Prepare
      const host = firewalld(before);
      const script = buildGuestFirewallAllowScript('linux', 80, 'firewalld').script.join('\n');
      try {
        // Act
        const stdout = host.run(script);
        const halves = parseFirewalldHalves(stdout);
        const afterAllow = host.sets();
        if (halves) host.run(firewalldUndo(80, halves));
        const afterUndo = host.sets();

        // Assess
        expect(parseGuestFirewallAllowOutput(stdout)).toBe(result);
        // The permanent set holds the rule after every run, the owner's or this run's: it survives a reboot.
        expect(parseGuestFirewallPersistence(stdout)).toBe('firewalld-permanent');
        expect(/^added=(.*)$/m.exec(stdout)?.[1]).toBe(added);
        expect(afterAllow).toEqual({ runtime: true, permanent: true });
        // What was there before stays: the owner's half is never undone.
        expect(afterUndo).toEqual(before);
        expect(stdout).not.toContain('--reload');
      } finally {
        rmSync(host.dir, { recursive: true, force: true });
      }
    });
  });

  it("never saves the whole iptables ruleset (it would also save other services' rules of the moment)", () => {
    // Act
    const text = buildGuestFirewallAllowScript('linux', 80, 'iptables').script.join('\n');

    // Assess
    expect(text).not.toMatch(/netfilter-persistent|iptables\.init|iptables save|iptables-save/);
    expect(text).toContain('echo persist=none ;;');
  });

  it('writes to the nftables table and chain the verdict names, passed as quoted values', () => {
    // Act
    const script = buildGuestFirewallAllowScript('linux', 80, 'nftables', {
      family: 'ip',
      table: 'firewalld',
      chain: 'filter_INPUT',
    });

    // Assess
    expect(parseScriptVariables(script.script)).toMatchObject({
      PD_NFT_FAMILY: 'ip',
      PD_NFT_TABLE: 'firewalld',
      PD_NFT_CHAIN: 'filter_INPUT',
    });
    expect(script.script.join('\n')).not.toContain('inet filter input');
  });

  it.each<[string, { family: 'ip' | 'inet'; table: string; chain: string } | undefined, string]>([
    ['no chain', undefined, 'nftables needs the table and chain that drop the probe'],
    [
      'a chain name with shell text',
      { family: 'inet', table: 'filter', chain: 'input; reboot' },
      'nft.chain must be an nftables name, got "input; reboot"',
    ],
  ])('refuses nftables with %s', (_case, nft, message) => {
    // Act
    let error: unknown;
    try {
      buildGuestFirewallAllowScript('linux', 80, 'nftables', nft);
    } catch (err) {
      error = err;
    }

    // Assess
    expect(isUnsafeScriptValueError(error)).toBe(true);
    expect((error as Error).message).toBe(message);
  });

  it('in auto mode never picks iptables on a native nftables host', () => {
    // Act
    const lines = buildGuestFirewallAllowScript('linux', 80).script;

    // Assess
    const nativeNft = lines.findIndex((l) => l.includes('elif native_nft; then echo "result=unsupported"'));
    const iptables = lines.findIndex((l) => l.includes('then PD_TOOL=iptables'));
    expect(nativeNft).toBeGreaterThan(-1);
    expect(nativeNft).toBeLessThan(iptables);
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
    ['tool=auto\nresult=unsupported\n', 'unsupported'],
    ['iptables: Permission denied\n', undefined],
  ])('%j -> %s', (stdout, expected) => {
    expect(parseGuestFirewallAllowOutput(stdout)).toBe(expected);
  });
});

describe('guestFirewallCommands', () => {
  it.each<[string | undefined, 'linux' | 'windows', boolean, string]>([
    ['ufw', 'linux', true, 'ufw delete allow proto tcp from 168.63.129.16 to any port 8080'],
    [
      'firewalld',
      'linux',
      true,
      "firewall-cmd --remove-rich-rule='rule family=ipv4 source address=168.63.129.16 port port=8080 protocol=tcp accept'; firewall-cmd --permanent --remove-rich-rule='rule family=ipv4 source address=168.63.129.16 port port=8080 protocol=tcp accept'",
    ],
    [undefined, 'windows', true, 'Remove-NetFirewallRule -Name probe-doctor-allow-probe-8080'],
    [
      'iptables',
      'linux',
      false,
      'iptables -D INPUT -s 168.63.129.16 -p tcp --dport 8080 -m comment --comment probe-doctor -j ACCEPT',
    ],
  ])('%s on %s: persistent %s, undo %s', (tool, os, persistent, undo) => {
    // Act
    const commands = guestFirewallCommands(os, 8080, tool);

    // Assess: no command reloads firewalld or saves a whole ruleset.
    expect(commands.persistent).toBe(persistent);
    expect(commands.undo).toBe(undo);
    expect(`${commands.allow}\n${commands.undo}`).not.toMatch(/--reload|netfilter-persistent|iptables save/);
  });

  it('says an nftables rule is runtime only and where to keep it', () => {
    // Act
    const commands = guestFirewallCommands('linux', 80, 'nftables', {
      family: 'inet',
      table: 'filter',
      chain: 'input',
    });

    // Assess
    expect(commands.persistent).toBe(false);
    expect(commands.persistence).toContain('/etc/nftables.conf');
    expect(commands.undo).toBe(
      `nft -a list chain inet filter input | awk '/"probe-doctor"/ && / tcp dport 80 / {print $NF}' | xargs -r -n1 nft delete rule inet filter input handle`,
    );
  });
});

describe('parseGuestFirewallPersistence', () => {
  it.each<[string, string | undefined]>([
    ['tool=iptables\nresult=added\npersist=netfilter-persistent\n', 'netfilter-persistent'],
    ['tool=ufw\r\nresult=present\r\npersist=ufw\r\n', 'ufw'],
    ['result=added\npersist=none\n', 'none'],
    ['result=added\n', undefined],
  ])('%j -> %s', (stdout, expected) => {
    expect(parseGuestFirewallPersistence(stdout)).toBe(expected);
  });
});

describe("firewallToolOf (on the iptables parser's verdict for real captures)", () => {
  it.each([
    // ufw's chains (iptables-save on Debian 12, ufw 0.36.2 active): ufw's own command.
    ['linux/iptables-save__ufw-active-chains.txt', 80, 'ufw'],
    // A plain INPUT DROP on a host without ufw: iptables.
    ['linux/iptables-save__legacy-backend-drop-168.63.129.16.txt', 3000, 'iptables'],
  ])('%s, port %d: %s', (file, port, tool) => {
    // Prepare
    const verdict = evaluateIptables(parseIptables(fixture(file)), { port, nicAddress: '10.0.0.4' });

    // Act
    const chosen = firewallToolOf({ ...verdict });

    // Assess
    expect(verdict.decision).toBe('deny');
    expect(chosen).toBe(tool);
  });

  it("gives ufw's own insert for a DROP in ufw-user-input, never iptables -I INPUT", () => {
    // Prepare
    const verdict = evaluateIptables(parseIptables(fixture('linux/iptables-save__ufw-active-chains.txt')), {
      port: 80,
      nicAddress: '10.0.0.4',
    });

    // Act
    const commands = guestFirewallCommands('linux', 80, firewallToolOf({ ...verdict }));

    // Assess
    expect(commands.allow).toBe(
      'ufw insert 1 allow proto tcp from 168.63.129.16 to any port 80 comment probe-doctor',
    );
    expect(commands.persistent).toBe(true);
  });
});
