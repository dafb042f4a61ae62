/**
 * The guest firewall allow script and its undo against real iptables, inside a network namespace this
 * test creates (its rules touch nothing outside it): the rule is added once, it is runtime only and the
 * ruleset is never saved (a save would also keep other services' rules of the moment), and the undo
 * command from the fix's detail takes it out. Needs root, `ip` and `iptables`; skipped with a message otherwise (CI runs as root).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
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
    expect(undo.status).toBe(0);
    expect(after).not.toBe(0);
  });

  it('never saves the ruleset, even where iptables-persistent is installed', () => {
    // Prepare: a netfilter-persistent that would save as the real one does (iptables-save to rules.v4):
    // with Docker, kube-proxy or fail2ban on the host, that file would get their rules of the moment.
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

      // Assess: the rule is in place, runtime only, and nothing was saved.
      expect(parseGuestFirewallAllowOutput(run.stdout)).toBe('added');
      expect(parseGuestFirewallPersistence(run.stdout)).toBe('none');
      expect(inNetns(RULE_CHECK).status).toBe(0);
      expect(existsSync(saved)).toBe(false);
      expect(inNetns(guestFirewallCommands('linux', 8080, 'iptables').undo, dir).status).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

const nftUsable = usable && has('nft');
if (usable && !nftUsable) console.warn('Skipping the live nftables undo test: needs nft.');

(nftUsable ? describe : describe.skip)('guest firewall allow with real nftables (network namespace)', () => {
  const NFT_NETNS = `pd-nft-${process.pid}`;
  const inNft = (script: string) =>
    spawnSync('ip', ['netns', 'exec', NFT_NETNS, 'bash', '-c', script], { encoding: 'utf8' });
  beforeAll(() => {
    execFileSync('ip', ['netns', 'add', NFT_NETNS]);
    inNft(
      'nft add table inet filter && nft add chain inet filter input "{ type filter hook input priority 0; }"',
    );
  });
  afterAll(() => spawnSync('ip', ['netns', 'delete', NFT_NETNS]));

  it("the undo of one port's allow takes out that port's rule, not the other ports' probe-doctor rules", () => {
    // Prepare: the allow for 80 and for 443 in the same chain, both commented probe-doctor.
    const chain = { family: 'inet' as const, table: 'filter', chain: 'input' };
    for (const port of [80, 443])
      inNft(buildGuestFirewallAllowScript('linux', port, 'nftables', chain).script.join('\n'));
    const rules = () => inNft('nft list chain inet filter input').stdout;
    const before = rules();

    // Act
    const undo = inNft(guestFirewallCommands('linux', 80, 'nftables', chain).undo);

    // Assess
    expect(before).toMatch(/tcp dport 80 accept comment "probe-doctor"/);
    expect(before).toMatch(/tcp dport 443 accept comment "probe-doctor"/);
    expect(undo.status).toBe(0);
    expect(rules()).not.toMatch(/tcp dport 80 accept/);
    expect(rules()).toMatch(/tcp dport 443 accept comment "probe-doctor"/);
  });
});
