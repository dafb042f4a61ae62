/**
 * Guest output that does not hold what a cause would need: a confident answer is never built from it.
 * guest-490 (German netstat) and guest-152 (a Windows firewall section cut on a line boundary) from
 * test/fixtures/reliability/, localized netstat captures (sources in test/fixtures/guest/README.md),
 * and empty or garbage output.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { diagnoseGuest, GUEST_NOT_DETERMINED_NOTE } from '../../src/diagnose/guest';
import { parseGuestOutput } from '../../src/guest/parse/guestOutput';
import { parseListeners } from '../../src/guest/parse/listeners';
import { parseRunCommandResult } from '../../src/guest/parse/runCommand';
import { ok } from '../../src/model/result';
import { backendOf, webTopology } from '../helpers/topologyBuilder';

interface GuestCase {
  os: 'linux' | 'windows';
  probe: { protocol: 'Tcp' | 'Http' | 'Https'; port: number; requestPath?: string };
  nic: string;
  body: unknown;
}
const guestCase = (name: string) =>
  JSON.parse(readFileSync(join(__dirname, '../fixtures/reliability', name), 'utf8')) as GuestCase;
const windowsCapture = (name: string) =>
  readFileSync(join(__dirname, '../fixtures/guest/windows', name), 'utf8');

function diagnose(c: Pick<GuestCase, 'os' | 'probe' | 'nic'>, stdout: string) {
  const evidence = parseGuestOutput(c.os, stdout, c.probe, c.nic);
  const topology = webTopology({ probe: { name: 'probe-web', ...c.probe } }).build();
  const findings = diagnoseGuest({
    topology,
    backend: backendOf(topology, 'vm-web-1-nic0'),
    probe: topology.probes[0]!,
    rule: topology.rules[0]!,
    guest: ok(evidence),
  });
  return { evidence, findings };
}

describe('guest-490: Windows netstat in German (ABHÖREN)', () => {
  it('finds the listener on port 80, so no not-listening cause', () => {
    // Prepare
    const c = guestCase('guest-490-locale.json');
    const { stdout } = parseRunCommandResult(c.body);

    // Act
    const { evidence, findings } = diagnose(c, stdout);

    // Assess
    expect(evidence.listening.map((l) => `${l.address}:${l.port}`)).toEqual(['0.0.0.0:80', '0.0.0.0:3389']);
    expect(findings.causes.map((x) => x.id)).toEqual(['probe-endpoint-error']);
  });

  it.each([
    ['netstat-ano__de-DE.txt', ['127.0.0.1:9876']],
    ['netstat-ano__fr-FR.txt', ['0.0.0.0:135', '0.0.0.0:3000']],
    ['netstat-ano__es-ES.txt', ['0.0.0.0:135', '0.0.0.0:3389']],
  ])('reads the listeners of %s whatever its state words say', (file, expected) => {
    // Act
    const parsed = parseListeners(windowsCapture(file));

    // Assess
    expect(parsed.source).toBe('netstat');
    expect(parsed.undetermined).toBeUndefined();
    expect(parsed.listening.map((l) => `${l.address}:${l.port}`)).toEqual(expected);
  });
});

describe('guest-152: the winfw-profile section cut away on a line boundary', () => {
  it('says the Windows firewall is not determined instead of reporting no firewall', () => {
    // Prepare
    const c = guestCase('guest-152-truncated.json');
    const { stdout } = parseRunCommandResult(c.body);

    // Act
    const { evidence, findings } = diagnose(c, stdout);

    // Assess
    expect(evidence.firewall).toEqual([
      expect.objectContaining({ tool: 'windows-firewall', decision: 'unknown' }),
    ]);
    expect(findings.notes.map((n) => n.id)).toContain('guest-firewall-undecided');
    expect(findings.causes.map((x) => x.id)).not.toContain('guest-firewall-blocks-probe');
  });

  it('a cut that removes the rules section too never loses a Block rule silently', () => {
    // Prepare: the full output (profile + a Block rule), then cut from the front on every line boundary.
    const c = guestCase('guest-490-locale.json');
    const full = parseRunCommandResult(c.body).stdout.replace(
      '=== winfw-rules ===\n\n=== end ===',
      '=== winfw-rules ===\nBlock|Any|TCP|80|Any|Block inbound 80\n=== end ===',
    );
    const lines = full.split('\n');

    for (let i = 0; i < lines.length; i++) {
      // Act
      const { evidence, findings } = diagnose(c, lines.slice(i).join('\n'));

      // Assess: either the Block rule is read (a cause), or the firewall is said to be undetermined.
      const decisions = evidence.firewall.map((f) => f.decision);
      const blocked = findings.causes.some((x) => x.id === 'guest-firewall-blocks-probe');
      expect([i, blocked || decisions.includes('unknown')]).toEqual([i, true]);
    }
  });
});

describe('empty or garbage guest output', () => {
  it.each([
    ['empty', ''],
    ['garbage', '\u0000\u0001 segmentation fault (core dumped)\nxyz'],
    ['an empty listen section', '=== listen ===\n=== end ===\n=== done ===\n'],
    ['a listen section in no known format', '=== listen ===\nPermission denied\n=== end ===\n=== done ===\n'],
  ])('%s: no not-listening cause; listening is "not determined" with the reason', (_case, stdout) => {
    // Act
    const { evidence, findings } = diagnose(
      { os: 'linux', probe: { protocol: 'Tcp', port: 80 }, nic: '10.0.1.4' },
      stdout,
    );

    // Assess
    expect(evidence.listeningUndetermined).toEqual(expect.any(String));
    expect(findings.causes.map((x) => x.id)).not.toContain('not-listening');
    expect(findings.notes.find((n) => n.id === GUEST_NOT_DETERMINED_NOTE)?.summary).toMatch(
      /is not determined: /,
    );
  });
});

describe('the Run Command result parser', () => {
  it('splits a 270 KB Linux message made of [stdout] markers in one pass (no quadratic regex)', () => {
    // Prepare
    const message = `Enable succeeded: \n${'[stdout]\n'.repeat(30_000)}`;

    // Act
    const result = parseRunCommandResult({ value: [{ code: 'ProvisioningState/succeeded', message }] });

    // Assess: no [stderr]: the whole message is stdout (the speed is in bench/guestParser.ts).
    expect(result).toEqual({ stdout: message, stderr: '' });
  });

  it('keeps the streams of a normal Linux answer', () => {
    // Act
    const result = parseRunCommandResult({
      value: [
        {
          code: 'ProvisioningState/succeeded',
          message: 'Enable succeeded: \n[stdout]\nout\n\n[stderr]\nerr\n',
        },
      ],
    });

    // Assess
    expect(result).toEqual({ stdout: 'out\n', stderr: 'err' });
  });
});
