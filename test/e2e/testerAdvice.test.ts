/**
 * Advice that would have made an outage worse, found by a new user's trial (2026-11-30; the scenarios
 * in test/fixtures/tester/ are theirs, unedited; see its README.md). Each case runs end to end: the CLI,
 * the sandbox, the real SDK clients and the local durable host.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BackendReport, Report } from '../../src/model/report';
import { runCli } from '../helpers/cli';

const fixture = (name: string) => join(__dirname, '../fixtures/tester', `${name}.json`);

/** Where fix runs write their trail (a fix run's default is the working directory, the repository). */
let auditDir = '';
beforeAll(() => {
  auditDir = mkdtempSync(join(tmpdir(), 'pd-tester-audit-'));
});
afterAll(() => rmSync(auditDir, { recursive: true, force: true }));
const auditLog = (name: string) => ['--audit-log', join(auditDir, `${name}.jsonl`)];

async function diagnose(name: string, ...flags: string[]): Promise<Report> {
  const { out } = await runCli([
    'diagnose',
    '--scenario',
    fixture(name),
    '--json',
    ...flags,
    ...auditLog(name),
  ]);
  return JSON.parse(out) as Report;
}

const nodeName = (b: BackendReport): string | undefined => /\/(\d+)\//.exec(b.ipConfigurationId ?? '')?.[1];

describe("externalTrafficPolicy: Local, the pod's node blocked by an NSG", () => {
  it('the nodes without a pod are down by design: the only fault is the NSG, and nobody is sent to the endpoints', async () => {
    // Act
    const report = await diagnose('s25-etp-pod-node-blocked');

    // Assess: node 0's own GET of the health check node port passes (it has the pod), so the Service
    // has an endpoint; the probe's Down there is the NSG's doing, not evidence of an empty Service.
    const byNode: Record<string, BackendReport> = Object.fromEntries(
      report.backends.map((b) => [nodeName(b) ?? '', b]),
    );
    expect(byNode['0']?.probeState).toBe('down');
    expect(byNode['0']?.causes.map((c) => c.id)).toEqual(['nsg-blocks-probe']);
    for (const i of ['1', '2']) {
      expect(byNode[i]?.probeState).toBe('expected-down');
      expect(byNode[i]?.causes).toEqual([]);
      expect(byNode[i]?.notes?.find((n) => n.id === 'expected-down')?.evidence).toMatchObject({
        shape: 'no-local-endpoint',
        service: 'shop/storefront',
      });
    }
    const steps = (report.nextSteps ?? []).join('\n');
    expect(steps).not.toMatch(/endpointslices|no ready endpoints/);
    expect(steps).toMatch(/rule DenyNode0/);
    expect(report.notes?.find((n) => n.id === 'no-local-endpoint')?.evidence?.servingBackends).toHaveLength(
      1,
    );
  });
});

describe('a floating-IP rule whose probe port no node answers (an Always On listener with no owner)', () => {
  it('never advises moving the probe to the listener port: it names the cluster IP resource ProbePort', async () => {
    // Act
    const report = await diagnose('s4-ag-no-primary');

    // Assess
    const advice = report.fixes
      .filter((f) => f.kind === 'recommendation')
      .map((f) => f.reason)
      .join('\n');
    const all = `${advice}\n${(report.nextSteps ?? []).join('\n')}`;
    expect(all).not.toMatch(/change the probe's port/);
    expect(all).not.toMatch(/node port/);
    expect(advice).toMatch(/Keep the probe on 59999/);
    expect(advice).toMatch(/Get-ClusterParameter ProbePort/);
    expect(advice).toMatch(/Set-ClusterParameter ProbePort 59999/);
  });

  it('a plain VM pool with the probe on an idle port gets the port change, without Kubernetes words', async () => {
    // Act
    const report = await diagnose('s15-probe-port-nothing');

    // Assess
    const advice = report.fixes.map((f) => f.reason).join('\n');
    expect(advice).toMatch(/change the probe's port to 80/);
    expect(`${advice}\n${(report.nextSteps ?? []).join('\n')}`).not.toMatch(/node port|Service/);
  });
});

describe('dual-stack: a deny-all blocks both families of two pools sharing the probe', () => {
  it('writes the IPv4 allow, advises the IPv6 one as a rule of its own, and names each family’s probe source', async () => {
    // Act
    const report = await diagnose('s27-dualstack', '--fix');

    // Assess: the IPv4 rule is written (never held back by the IPv6 members) and holds IPv4 only.
    const allows = report.fixes.filter((f) => f.kind === 'nsg-allow-probe');
    const v4 = allows.find((f) => f.status === 'applied');
    expect(v4?.detail.destinationAddressPrefixes).toEqual(['10.20.1.4', '10.20.1.5']);
    expect(v4?.detail.sourceAddressPrefix).toBe('AzureLoadBalancer');
    expect(v4?.detail.destinationPortRange).toBe('8080');
    const v6 = allows.find((f) => f.status === 'skipped');
    expect(v6?.detail.destinationAddressPrefixes).toEqual(['fd00:db8:deca::10', 'fd00:db8:deca::11']);
    expect(v6?.detail.priority).not.toBe(v4?.detail.priority);
    expect(v6?.reason).toMatch(
      /^advised, not written: add to NSG nsg-snet-app-a rule \S+-ipv6 at priority \d+/,
    );
    const v6Causes = report.backends
      .filter((b) => b.ipAddress?.includes(':') && b.causes.length > 0)
      .flatMap((b) => b.causes.map((c) => c.summary));
    expect(v6Causes.length).toBeGreaterThan(0);
    for (const summary of v6Causes) {
      expect(summary).not.toContain('168.63.129.16');
      expect(summary).toContain('link-local');
    }
  });
});

/**
 * The tester's scenario with clients let in above its deny-all (`Internet` to every port, which never
 * holds the probe's 168.63.129.16): as drawn, nsg-a denies every client too, a lockdown, where
 * probe-doctor writes nothing (src/remediate/lockdown.ts); these cases are about what the headline
 * says once its fix is in place.
 */
function withClientsLetIn(name: string): { file: string; dir?: string } {
  const doc = JSON.parse(readFileSync(fixture(name), 'utf8')) as {
    resources: { name?: string; properties?: { securityRules?: unknown[] } }[];
  };
  const nsg = doc.resources.find((r) => r.name === 'nsg-a' && r.properties?.securityRules);
  // h1's NSGs let clients in already (its fix is written as drawn).
  if (!nsg?.properties?.securityRules) return { file: fixture(name) };
  nsg.properties.securityRules.unshift({
    name: 'AllowInternetClients',
    properties: {
      protocol: 'Tcp',
      sourcePortRange: '*',
      destinationPortRange: '*',
      sourceAddressPrefix: 'Internet',
      destinationAddressPrefix: '*',
      access: 'Allow',
      priority: 1000,
      direction: 'Inbound',
    },
  });
  const dir = mkdtempSync(join(tmpdir(), 'pd-tester-'));
  const file = join(dir, `${name}.json`);
  writeFileSync(file, JSON.stringify(doc));
  return { file, dir };
}

describe("the headline after probe-doctor's own NSG fix is in place", () => {
  it.each([
    ['s26-nsg-and-guest-fw', /who must act: the VM owner;/],
    ['s1-two-denies', /who must act: the application owner;/],
    ['h1-long-probe-interval', /who must act: you: run again once the probe has re-tested/],
  ])('%s names who must act for what remains, not the NSG owner', async (name, expected) => {
    // Prepare
    const scenario = withClientsLetIn(name);

    // Act
    const { out } = await runCli(['diagnose', '--scenario', scenario.file, '--fix', ...auditLog(name)]);
    if (scenario.dir) rmSync(scenario.dir, { recursive: true, force: true });

    // Assess
    const headline = out.split('\n').find((l) => l.includes('who must act')) ?? '';
    expect(headline).toMatch(expected);
    expect(headline).not.toMatch(/NSG owner/);
  });
});
