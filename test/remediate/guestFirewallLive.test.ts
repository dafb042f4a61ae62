/**
 * The guest firewall allow script and its undo against real iptables, inside a network namespace this
 * test creates (its rules touch nothing outside it): the rule is added once, its persistence is
 * reported the way the host keeps iptables rules, and the undo command from the fix's detail takes it
 * out. Needs root, `ip` and `iptables`; skipped with a message otherwise (CI runs as root).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  buildGuestFirewallAllowScript,
  guestFirewallCommands,
  parseGuestFirewallAllowOutput,
  parseGuestFirewallPersistence,
} from '../../src/remediate/guestFirewall';

const has = (cmd: string) => spawnSync('sh', ['-c', `command -v ${cmd}`]).status === 0;
const usable = process.getuid?.() === 0 && has('ip') && has('iptables');
if (!usable) console.warn('Skipping the live iptables allow test: needs root, ip and iptables.');

const NETNS = `pd-fw-${process.pid}`;

/** Runs bash inside the namespace with an extra PATH entry first. */
function inNetns(script: string, pathFirst?: string): { stdout: string; status: number | null } {
  const env = {
    ...process.env,
    PATH: pathFirst ? `${pathFirst}:${process.env.PATH ?? ''}` : process.env.PATH,
  };
  const r = spawnSync('ip', ['netns', 'exec', NETNS, 'bash', '-c', script], { env, encoding: 'utf8' });
  return { stdout: r.stdout, status: r.status };
}

const RULE_CHECK =
  'iptables -C INPUT -s 168.63.129.16 -p tcp --dport 8080 -m comment --comment probe-doctor -j ACCEPT';

(usable ? describe : describe.skip)('guest firewall allow with real iptables (network namespace)', () => {
  beforeAll(() => execFileSync('ip', ['netns', 'add', NETNS]));
  afterAll(() => spawnSync('ip', ['netns', 'delete', NETNS]));

  it('adds the rule once, says it does not survive a reboot without iptables-persistent, and the undo removes it', () => {
    // Prepare
    const script = buildGuestFirewallAllowScript('linux', 8080, 'iptables').script.join('\n');

    // Act
    const first = inNetns(script);
    const second = inNetns(script);
    const present = inNetns(RULE_CHECK).status;
    const undo = inNetns(guestFirewallCommands('linux', 8080, 'iptables').undo);
    const after = inNetns(RULE_CHECK).status;

    // Assess
    expect(parseGuestFirewallAllowOutput(first.stdout)).toBe('added');
    expect(parseGuestFirewallPersistence(first.stdout)).toBe('none');
    expect(parseGuestFirewallAllowOutput(second.stdout)).toBe('present');
    expect(present).toBe(0);
    expect(undo.status).not.toBe(0); // no netfilter-persistent here: the save step fails, the delete ran
    expect(after).not.toBe(0);
  });

  it('saves the rule with netfilter-persistent where iptables-persistent is installed', () => {
    // Prepare: a netfilter-persistent that saves as the real one does (iptables-save to rules.v4).
    const dir = mkdtempSync(join(tmpdir(), 'pd-nfp-'));
    const saved = join(dir, 'rules.v4');
    writeFileSync(
      join(dir, 'netfilter-persistent'),
      `#!/bin/sh\n[ "$1" = save ] && iptables-save > ${saved}\n`,
    );
    chmodSync(join(dir, 'netfilter-persistent'), 0o755);
    const script = buildGuestFirewallAllowScript('linux', 8080, 'iptables').script.join('\n');
    try {
      // Act
      const run = inNetns(script, dir);

      // Assess
      expect(parseGuestFirewallPersistence(run.stdout)).toBe('netfilter-persistent');
      expect(readFileSync(saved, 'utf8')).toContain(
        '-A INPUT -s 168.63.129.16/32 -p tcp -m tcp --dport 8080 -m comment --comment probe-doctor -j ACCEPT',
      );
      expect(inNetns(guestFirewallCommands('linux', 8080, 'iptables').undo, dir).status).toBe(0);
      expect(readFileSync(saved, 'utf8')).not.toContain('probe-doctor');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
