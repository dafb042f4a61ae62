import { HttpRequest, HttpResponse, InvocationContext } from '@azure/functions';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AllowedScope } from '../../src/config';
import { handleAlertWebhook } from '../../src/triggers/alertWebhook';
import type { TriggerAuditEvent } from '../../src/triggers/client';
import { instanceIdFor } from '../../src/triggers/instanceId';
import { FakeClient } from './fakeClient';

const SUB = '11111111-2222-3333-4444-555555555555';
const LB = `/subscriptions/${SUB}/resourcegroups/rg-web/providers/microsoft.network/loadbalancers/lb-web`;
// Microsoft's sample payload (alerts-common-schema.md), retargeted at a load balancer below.
const SAMPLE = JSON.parse(
  readFileSync(join(__dirname, 'fixtures/CommonAlertSchema_MetricAlert.json'), 'utf8'),
) as {
  data: { essentials: Record<string, unknown>; alertContext: Record<string, unknown> };
};

function alert(essentials: Record<string, unknown>, alertContext?: unknown): unknown {
  return {
    ...SAMPLE,
    data: {
      ...SAMPLE.data,
      essentials: {
        ...SAMPLE.data.essentials,
        alertTargetIDs: [LB],
        monitorCondition: 'Fired',
        ...essentials,
      },
      alertContext: alertContext === undefined ? SAMPLE.data.alertContext : alertContext,
    },
  };
}

async function call(
  body: unknown,
  client = new FakeClient(),
  scopes: AllowedScope[] = [{ subscriptionId: SUB }],
) {
  const audit: TriggerAuditEvent[] = [];
  const request = new HttpRequest({
    method: 'POST',
    url: 'http://127.0.0.1:7071/api/alerts',
    body: { string: typeof body === 'string' ? body : JSON.stringify(body) },
  });
  const response = await handleAlertWebhook(request, new InvocationContext(), {
    client,
    allowedScopes: scopes,
    mode: 'observe',
    audit: (e) => {
      audit.push(e);
    },
  });
  const json = response instanceof HttpResponse ? await response.json() : response.jsonBody;
  return { response, json, client, audit };
}

describe('handleAlertWebhook', () => {
  it('starts the run for a fired DipAvailability metric alert, with an id derived from the LB', async () => {
    // Act
    const { response, json, client, audit } = await call(
      alert({}, { condition: { allOf: [{ metricName: 'DipAvailability', metricValue: 0 }] } }),
    );

    // Assess
    const instanceId = instanceIdFor(LB);
    expect(instanceId).toMatch(/^pd-[0-9a-f]{32}$/);
    expect(response.status).toBe(202);
    expect(json).toMatchObject({ status: 'started', id: instanceId });
    expect(client.started).toEqual([
      {
        name: 'probeDoctorOrchestrator',
        instanceId,
        input: {
          loadBalancerId: LB,
          mode: 'observe',
          alertId: SAMPLE.data.essentials['alertId'],
          requestedBy: 'alert:metric',
          // One run id per execution: its start time, then the instance id.
          runId: expect.stringMatching(new RegExp(`^\\d{8}T\\d{9}Z-${instanceId}$`)) as unknown,
        },
      },
    ]);
    expect(audit.map((e) => e.decision)).toEqual(['started']);
  });

  it('starts the run for a Resource Health (activity log) alert', async () => {
    // Act
    const { response, client } = await call(
      alert(
        { signalType: 'Activity Log', monitoringService: 'Resource Health' },
        { properties: { currentHealthStatus: 'Degraded' } },
      ),
    );

    // Assess
    expect(response.status).toBe(202);
    expect(client.started[0]?.input).toMatchObject({ requestedBy: 'alert:resource-health' });
  });

  it('ignores a resolved alert, audits it, and starts nothing', async () => {
    // Act
    const { response, json, client, audit } = await call(alert({ monitorCondition: 'Resolved' }));

    // Assess
    expect(response.status).toBe(200);
    expect(json).toEqual({
      status: 'ignored',
      reason: 'alert resolved',
      alertId: SAMPLE.data.essentials['alertId'],
    });
    expect(client.started).toEqual([]);
    expect(audit).toMatchObject([{ decision: 'ignored', loadBalancerId: LB }]);
  });

  it('refuses a load balancer outside the allowed scopes with 403', async () => {
    // Act
    const { response, json, client } = await call(alert({}), new FakeClient(), [
      { subscriptionId: SUB, resourceGroup: 'rg-other' },
    ]);

    // Assess
    expect(response.status).toBe(403);
    expect(json).toEqual({
      error: { code: 'OutOfScope', message: `Load balancer ${LB} is outside PROBE_DOCTOR_ALLOWED_SCOPES.` },
    });
    expect(client.started).toEqual([]);
  });

  it('joins the run in progress when a second alert arrives (alert storm)', async () => {
    // Prepare
    const client = new FakeClient();
    await call(alert({}), client);

    // Act
    const second = await call(alert({ alertId: 'second' }), client);

    // Assess
    expect(second.response.status).toBe(202);
    expect(second.json).toMatchObject({ status: 'joined', id: instanceIdFor(LB) });
    expect(client.started).toHaveLength(1);
    // The joining alert names the run it joined, not the instance.
    const runId = (client.started[0]?.input as { runId: string }).runId;
    expect(second.audit).toMatchObject([{ decision: 'joined', instanceId: instanceIdFor(LB), runId }]);
  });

  it.each([
    ['not JSON', '{"schemaId":', 'Invalid alert: the body is not JSON (Unexpected end of JSON input)'],
    [
      'another schema',
      { schemaId: 'Microsoft.Insights/activityLogs', data: {} },
      'Invalid alert: $.schemaId: expected azureMonitorCommonAlertSchema',
    ],
    [
      'no monitor condition',
      alert({ monitorCondition: 'Maybe' }),
      'Invalid alert: $.data.essentials.monitorCondition: expected Fired or Resolved',
    ],
    [
      'a log search alert',
      alert({ signalType: 'Log' }),
      'Invalid alert: $.data.essentials.signalType: expected Metric or Activity Log',
    ],
    [
      'no targets',
      alert({ alertTargetIDs: [] }),
      'Invalid alert: $.data.essentials.alertTargetIDs: expected at least one target resource id',
    ],
    [
      'a VM target (the unmodified sample)',
      alert({ alertTargetIDs: SAMPLE.data.essentials['alertTargetIDs'] }),
      'Invalid alert: $.data.essentials.alertTargetIDs: no Microsoft.Network/loadBalancers resource id',
    ],
  ])('answers 400 for %s', async (_case, body, message) => {
    // Act
    const { response, json, client, audit } = await call(body);

    // Assess
    expect(response.status).toBe(400);
    expect((json as { error: { message: string } }).error.message).toBe(message);
    expect(client.started).toEqual([]);
    expect(audit).toEqual([{ trigger: 'alert', decision: 'rejected', detail: { reason: message } }]);
  });
});
