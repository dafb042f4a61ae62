/// <reference lib="dom" />
/**
 * The HTML report in a real browser: Debian's Chromium, headless, driven by playwright-core. The page
 * renders from a file with every network request refused, the failing hop drawn is the one the report
 * names, healthy backends stay collapsed, and a screenshot is kept in artifacts/ (CI keeps that folder;
 * docs/report.md says where).
 *
 * Chromium comes from `apt-get install chromium` (.ci/run installs it). Where it is absent the test is
 * skipped with a message, except in CI (CI=true), where its absence fails the test.
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { renderHtml } from '../../src/report/html';
import { runScenario } from '../helpers/scenarioReports';

const CHROMIUM = '/usr/bin/chromium';
const ARTIFACTS = join(__dirname, '../../artifacts');
const available = existsSync(CHROMIUM);
const required = process.env.CI === 'true';

if (!available && !required) {
  console.warn(`Skipping the Chromium report test: ${CHROMIUM} is missing (apt-get install -y chromium).`);
}

/** The NSG hop a cause's evidence names, spelled as the page's data-hop. */
const hopOfLevel = (level: unknown): string =>
  level === 'admin' ? 'admin' : level === 'nic' ? 'nic-nsg' : 'subnet-nsg';

async function withPage<T>(html: string, name: string, use: (page: Page) => Promise<T>): Promise<T> {
  mkdirSync(ARTIFACTS, { recursive: true });
  const file = join(ARTIFACTS, `${name}.html`);
  writeFileSync(file, html);
  const profile = mkdtempSync(join(tmpdir(), 'pd-chromium-'));
  let context: BrowserContext | undefined;
  try {
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
      viewport: { width: 1200, height: 900 },
    });
    const refused: string[] = [];
    // No network at view time: anything but the file itself is refused and recorded.
    await context.route('**/*', (route) => {
      const url = route.request().url();
      if (url.startsWith('file://')) return route.continue();
      refused.push(url);
      return route.abort();
    });
    const page = context.pages()[0] ?? (await context.newPage());
    await page.goto(`file://${file}`);
    const result = await use(page);
    await page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });
    expect(refused).toEqual([]);
    return result;
  } finally {
    await context?.close();
    rmSync(profile, { recursive: true, force: true });
  }
}

(available || required ? describe : describe.skip)('HTML report in headless Chromium', () => {
  it('draws the failing hop the report names for each failing backend (demo scenario)', async () => {
    // Prepare
    expect(existsSync(CHROMIUM)).toBe(true);
    const { report } = await runScenario('nsg-deny-all-blocks-probe');
    const named = report.backends
      .filter((b) => b.causes.length > 0)
      .map((b) => {
        const e = b.causes[0]!.evidence!;
        return { key: b.ipConfigurationId!, hop: hopOfLevel(e.level), rule: String(e.ruleName) };
      });

    // Act
    const drawn = await withPage(renderHtml(report, { durationMs: 1400 }), 'report-demo', (page) =>
      page.$$eval('section.backend', (sections) =>
        sections.map((s) => {
          const fail = s.querySelector('g.hop[data-status="fail"]');
          const rect = fail?.querySelector('rect');
          const box = rect?.getBoundingClientRect();
          const card = s.getBoundingClientRect();
          return {
            key: s.getAttribute('data-backend'),
            hop: fail?.getAttribute('data-hop'),
            decidedBy: fail?.getAttribute('data-decided-by'),
            stroke: rect ? getComputedStyle(rect).stroke : undefined,
            visible: !!box && box.width > 50 && box.left >= card.left && box.right <= card.right,
            callout: s.querySelector('.callout')?.textContent,
          };
        }),
      ),
    );

    // Assess
    expect(named).toHaveLength(2);
    expect(drawn.map((d) => d.key)).toEqual(named.map((n) => n.key));
    for (const [i, n] of named.entries()) {
      expect(drawn[i]!.hop).toBe(n.hop);
      expect(drawn[i]!.decidedBy).toContain(n.rule);
      expect(drawn[i]!.stroke).toBe('rgb(198, 40, 40)');
      expect(drawn[i]!.visible).toBe(true);
      expect(drawn[i]!.callout).toBe(
        `Subnet NSG stops the probe: nsg-snet-app-a rule ${n.rule} (priority 4000) Deny`,
      );
    }
  }, 60_000);

  it('keeps healthy backends collapsed and shows the fix after --fix', async () => {
    // Prepare
    const { report } = await runScenario('nsg-deny-all-blocks-probe', 'fix');
    const ruleName = String(report.fixes[0]!.detail.ruleName);

    // Act
    const seen = await withPage(
      renderHtml(report, { durationMs: 1400 }),
      'report-demo-fixed',
      async (page) => ({
        summary: await page.textContent('#summary'),
        healthyOpen: await page.$eval('#healthy', (d) => (d as HTMLDetailsElement).open),
        healthyRowVisible: await page.isVisible('#healthy tr[data-backend]'),
        fixed: await page.$$eval('.callout.ok', (els) => els.map((e) => e.textContent)),
        undo: await page.textContent('#undo'),
      }),
    );

    // Assess
    expect(seen.summary).toMatch(/^RESOLVED: lbi-orders-prod; .*backends down 2 -> 0 of 3; 1\.4 s$/);
    expect(seen.healthyOpen).toBe(false);
    expect(seen.healthyRowVisible).toBe(false);
    expect(seen.fixed).toHaveLength(2);
    expect(seen.fixed[0]).toContain(`applied nsg-allow-probe rule ${ruleName} priority 3999`);
    expect(seen.undo).toContain(`az network nsg rule delete`);
  }, 60_000);
});
