/**
 * `npm run demo`: the whole product on this machine. The local ARM sandbox serves the built-in broken
 * scenario over HTTPS; Azure Monitor's alert (Common Alert Schema) goes through the real alert
 * webhook handler; the orchestration runs on the local durable host (the durable-functions library's
 * own replay code) with the real SDK clients; the fix is applied, proved, and audited.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HttpRequest, HttpResponse, InvocationContext } from '@azure/functions';
import { createLocalHost, reportOfRun } from '../app/localRun';
import { createRemediation } from '../app/remediation';
import { createTriggerAudit } from '../app/triggerAudit';
import { JsonLinesAuditSink } from '../audit/jsonLinesSink';
import { parseAuditLines, formatTimeline } from '../audit/timeline';
import { loadConfig } from '../config';
import { loadScenarioFile } from '../sandbox/scenario';
import { startSandbox } from '../sandbox/server';
import { handleAlertWebhook } from '../triggers/alertWebhook';
import { instanceIdFor } from '../triggers/instanceId';
import { instanceIdOfRun } from '../workflow/runId';
import { LocalDurableClient } from '../workflow/host/localClient';
import { EXIT_ERROR, type CliIO } from './main';
import { progressLine, exitCodeFor } from './commands/diagnose';
import { dipAvailabilityAlert } from './demoAlert';
import { formatSummary } from './summary';
import { projectRoot } from '../version';

/** The built-in broken scenario: a subnet NSG's custom Deny All above the AzureLoadBalancer allow. */
export const DEMO_SCENARIO = join(projectRoot(), 'scenarios', 'nsg-deny-all-blocks-probe.json');

export interface DemoOptions {
  scenarioFile?: string;
  /** Where the audit trail goes; a new temp directory by default. */
  auditDir?: string;
}

async function postAlert(
  body: unknown,
  client: LocalDurableClient,
  deps: Omit<Parameters<typeof handleAlertWebhook>[2], 'client'>,
): Promise<{ status: number; json: Record<string, unknown> }> {
  const request = new HttpRequest({
    method: 'POST',
    url: 'http://127.0.0.1:7071/api/alerts',
    body: { string: JSON.stringify(body) },
  });
  const response = await handleAlertWebhook(
    request,
    new InvocationContext({ functionName: 'alertWebhook' }),
    {
      ...deps,
      client,
    },
  );
  const json = (response instanceof HttpResponse ? await response.json() : response.jsonBody) as Record<
    string,
    unknown
  >;
  return { status: response.status ?? 200, json };
}

/** Runs the demo; resolves to the exit code (0 when the run resolved the problem). */
export async function runDemo(io: CliIO, options: DemoOptions = {}): Promise<number> {
  const file = options.scenarioFile ?? DEMO_SCENARIO;
  const scenario = await loadScenarioFile(file);
  const lbId = (JSON.parse(readFileSync(file, 'utf8')) as { expect?: { loadBalancerId?: string } }).expect
    ?.loadBalancerId;
  if (!lbId) throw new Error(`${file} has no expect.loadBalancerId to send the alert for`);
  const [, , subscriptionId, , resourceGroup] = lbId.split('/');
  const auditFile = join(
    options.auditDir ?? mkdtempSync(join(tmpdir(), 'probe-doctor-demo-')),
    'audit.jsonl',
  );
  const say = (text = '') => io.out(`${text}\n`);

  say(`probe-doctor demo: scenario "${scenario.name}"`);
  say(`  ${scenario.description ?? ''}`);
  say();
  const sandbox = await startSandbox({ scenario });
  const auditSink = await JsonLinesAuditSink.toFile(auditFile);
  try {
    say(`1. Local ARM sandbox listening on ${sandbox.endpoint} (HTTPS, self-signed certificate).`);
    say('   The real @azure/arm-network and @azure/arm-compute clients read and write it.');
    const config = loadConfig({
      PROBE_DOCTOR_MODE: 'fix',
      PROBE_DOCTOR_ALLOWED_SCOPES: `/subscriptions/${subscriptionId}/resourceGroups/${resourceGroup}`,
    });
    say(
      `   Settings: PROBE_DOCTOR_MODE=fix, PROBE_DOCTOR_ALLOWED_SCOPES=${config.allowedScopes.map((s) => `${s.subscriptionId}/${s.resourceGroup ?? '*'}`).join(',')}`,
    );
    say();

    const progress: string[] = [];
    const host = createLocalHost({
      target: { kind: 'sandbox', endpoint: sandbox.endpoint, ca: sandbox.ca, clock: sandbox.clock },
      config,
      auditSink,
      remediation: createRemediation({
        pollIntervalMs: 10,
        sleep: (ms) => new Promise((r) => setTimeout(r, Math.min(ms, 20))),
      }),
      evidence: { runCommandAttempts: 4, runCommandRetryDelayMs: 20 },
      // Printed under step 3: the run starts while step 2 is still being told.
      progress: (event) => void progress.push(`   ${progressLine(event).trimStart()}`),
    });
    const client = new LocalDurableClient(host);
    const triggerDeps = {
      allowedScopes: config.allowedScopes,
      mode: config.mode,
      audit: createTriggerAudit(auditSink, config.mode, 'demo-invocation'),
    };

    const alert = dipAvailabilityAlert(lbId, new Date());
    say(
      `2. Azure Monitor fires: metric alert on DipAvailability (Health Probe Status) < 100 for ${lbId.split('/').pop() ?? lbId}.`,
    );
    say('   POST /api/alerts with the Common Alert Schema payload:');
    const first = await postAlert(alert, client, triggerDeps);
    say(`   -> ${first.status} ${String(first.json.status)} (instance ${String(first.json.id)})`);
    const second = await postAlert(alert, client, triggerDeps);
    say(
      `   The same alert again, as an alert storm would send it -> ${second.status} ${String(second.json.status)}: it joins the run, no second one starts.`,
    );
    say();

    say(
      '3. The orchestration runs on the local durable host (durable-functions replay; timers skip ahead on the sandbox clock):',
    );
    const instanceId = instanceIdFor(lbId);
    // The host drives the run itself: durable timers skip ahead by moving the sandbox's clock.
    const status = await host.waitForCompletion(instanceId);
    progress.forEach((line) => io.out(line));
    if (status.runtimeStatus !== 'Completed') {
      io.err(`probe-doctor demo: the orchestration failed: ${status.error ?? 'no message'}\n`);
      return EXIT_ERROR;
    }
    say(`   ${status.history.length} history events, replayed on every step as the Functions host does.`);
    say();

    await auditSink.flush();
    say(`4. Audit trail (the events Application Insights receives; also in ${auditFile}):`);
    // Run ids are `<start>-<instance id>` (runId.ts): this run is the newest of this instance's runs
    // (the audit file may hold earlier demos on the same load balancer).
    const ofInstance = parseAuditLines(readFileSync(auditFile, 'utf8'), auditFile).filter(
      (e) => instanceIdOfRun(e.runId) === instanceId,
    );
    const runId = ofInstance.at(-1)?.runId;
    const events = ofInstance.filter((e) => e.runId === runId);
    say(formatTimeline(events).replace(/^/gm, '   ').trimEnd());
    say();

    const report = await reportOfRun(host, status);
    say('5. Report (probe-doctor diagnose --json prints the same report):');
    say(formatSummary(report).replace(/^/gm, '   ').trimEnd());
    say();
    say(`Verdict: ${report.verdict.toUpperCase()}`);
    return exitCodeFor(report);
  } finally {
    await auditSink.close();
    await sandbox.stop();
  }
}

if (require.main === module) {
  runDemo({ out: (t) => process.stdout.write(t), err: (t) => process.stderr.write(t) }).then(
    (code) => process.exit(code),
    (err: unknown) => {
      process.stderr.write(
        `probe-doctor demo: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
      );
      process.exit(EXIT_ERROR);
    },
  );
}
