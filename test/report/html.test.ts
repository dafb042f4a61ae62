/**
 * The HTML report on real reports: the probe's path per failing backend with the failing hop marked
 * by the rule that decides it, healthy backends collapsed, self-contained, every value escaped.
 * (test/report/browser.test.ts renders it in Chromium.)
 */
import { reportFacts } from '../../src/report/facts';
import { htmlEscape, renderHtml } from '../../src/report/html';
import { probePath } from '../../src/report/probePath';
import { runScenario } from '../helpers/scenarioReports';

/** The failing hop and what decides it, per drawn backend, read back from the page. */
function drawnFailures(html: string): string[] {
  return [
    ...html.matchAll(
      /<g class="hop hop-fail" data-hop="([^"]+)" data-status="fail" data-decided-by="([^"]*)"/g,
    ),
  ].map((m) => `${m[1]}: ${m[2]}`);
}

describe('renderHtml', () => {
  it.each([
    [
      'nsg-deny-all-blocks-probe',
      'subnet-nsg',
      'nsg-snet-app-a rule DenyAllInbound-Baseline (priority 4000) Deny',
    ],
    ['admin-rule-blocks-probe', 'admin', 'admin rule Deny-Http-Plaintext (priority 10) Deny'],
    [
      'guest-firewall-drop',
      'guest-firewall',
      'iptables: -A INPUT -s 168.63.129.16/32 -p tcp -m tcp --dport 80 -j DROP',
    ],
    ['http-probe-500', 'listener', 'GET http://10.10.1.4:80/healthz -> 500'],
    ['vm-stopped', 'listener', 'VM deallocated: nothing answers'],
  ])('%s: marks the %s hop with the rule that decides it', async (name, hop, decidedBy) => {
    // Prepare
    const { report } = await runScenario(name);

    // Act
    const html = renderHtml(report);

    // Assess
    const failing = reportFacts(report).backends.filter((b) => b.failing);
    expect(failing.length).toBeGreaterThan(0);
    expect(drawnFailures(html)).toEqual(failing.map(() => `${hop}: ${htmlEscape(decidedBy)}`));
  });

  it('draws the hops in the probe path order, passes before the failure and not-reached after it', async () => {
    // Prepare
    const { report } = await runScenario('nsg-deny-all-blocks-probe');
    const backend = reportFacts(report).backends.find((b) => b.label === 'vm-orders-01')!;

    // Act
    const hops = probePath(backend);

    // Assess
    expect(hops.map((h) => `${h.id}=${h.status}`)).toEqual([
      'source=pass',
      'admin=pass',
      'subnet-nsg=fail',
      'nic-nsg=not-reached',
      'guest-firewall=not-reached',
      'listener=not-reached',
    ]);
  });

  it('collapses healthy backends and draws only the failing ones', async () => {
    // Prepare
    const { report } = await runScenario('guest-firewall-drop');

    // Act
    const html = renderHtml(report);

    // Assess
    expect(html.match(/<svg class="path"/g)).toHaveLength(1);
    expect(html).toMatch(/<details id="healthy"><summary>2 healthy backend\(s\)<\/summary>/);
    expect(html).toContain('<h2>web-1 <span class="muted">web-1-nic · 10.10.1.5</span>');
  });

  it('with no hop to blame (unknown) passes every hop and says so', async () => {
    // Prepare
    const { report } = await runScenario('hidden-failure-unknown');

    // Act
    const html = renderHtml(report);

    // Assess
    expect(drawnFailures(html)).toEqual([]);
    expect(html).toContain('data-failing-hop=""');
    expect(html).toContain('No hop is blocked by a rule probe-doctor can see: unknown.');
    expect(html).toContain(
      '<dt>Network Watcher</dt><dd>IP flow verify from 168.63.129.16: Allow by securityRules/AllowHttpHttpsInbound</dd>',
    );
  });

  it('is self-contained: no script, no external stylesheet, image or font', async () => {
    // Prepare
    const { report } = await runScenario('nsg-deny-all-blocks-probe', 'fix');

    // Act
    const html = renderHtml(report);

    // Assess: the only URLs are the portal links a person may follow.
    expect(html).not.toMatch(/<script|<link|<img|<iframe|@import|url\(/i);
    expect([...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]!.split('#')[0])).toEqual(
      Array(4).fill('https://portal.azure.com/'),
    );
    expect(html).toContain('Content-Security-Policy" content="default-src \'none\'');
  });

  it('escapes every value from the report', async () => {
    // Prepare
    const { report } = await runScenario('nsg-deny-all-blocks-probe');
    const hostile = structuredClone(report);
    hostile.backends[0]!.causes[0]!.evidence!.ruleName = '"><script>alert(1)</script>';
    hostile.backends[0]!.causes[0]!.summary = '<img src=x onerror=alert(1)>';

    // Act
    const html = renderHtml(hostile);

    // Assess
    expect(html).not.toContain('<script>alert(1)');
    expect(html).not.toContain('<img src=x');
    expect(html).toContain('&#60;img src=x onerror=alert(1)&#62;');
    expect(html).toContain('data-decided-by="nsg-snet-app-a rule &#34;&#62;&#60;script&#62;');
  });
});
