/**
 * The reliability cases from outside (test/fixtures/reliability/, copied unedited from
 * shared/cases/reliability/), each as a test that behaves as its description says it should: a bad
 * input is refused with one clear error naming what was wrong, audited where a trigger refuses it, and
 * nothing starts or is written on it.
 */
import { HttpRequest, HttpResponse, InvocationContext } from '@azure/functions';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createTriggerAudit } from '../../src/app/triggerAudit';
import { MemoryAuditSink } from '../../src/audit/memorySink';
import { main } from '../../src/cli/main';
import { handleAlertWebhook } from '../../src/triggers/alertWebhook';
import { handleApproval } from '../../src/triggers/approval';
import { FakeClient } from '../triggers/fakeClient';

const FIXTURES = join(__dirname, '../fixtures/reliability');
const fixture = <T>(name: string): T => JSON.parse(readFileSync(join(FIXTURES, name), 'utf8')) as T;

/** A durable client whose status carries the run's input, as the real one does. */
class ClientWithInput extends FakeClient {
  constructor(private readonly input: unknown) {
    super();
  }
  override getStatus(instanceId: string): Promise<{ runtimeStatus: string; input?: unknown }> {
    return super.getStatus(instanceId).then((s) => ({ ...s, input: this.input }));
  }
}

async function postAlert(body: string, subscriptionId = '11111111-2222-3333-4444-555555555555') {
  const sink = new MemoryAuditSink();
  const client = new FakeClient();
  const request = new HttpRequest({
    method: 'POST',
    url: 'http://127.0.0.1:7071/api/alerts',
    body: { string: body },
  });
  const response = await handleAlertWebhook(request, new InvocationContext(), {
    client,
    allowedScopes: [{ subscriptionId }],
    mode: 'fix',
    audit: createTriggerAudit(sink, 'fix', 'invocation-1'),
  });
  const json = (response instanceof HttpResponse ? await response.json() : response.jsonBody) as {
    error?: { code: string; message: string };
  };
  return { response, json, client, sink };
}

describe('alert-089: an alert naming an LB that ARM could not have (lb?api-version=...)', () => {
  it('is refused with 400 naming the target, audited, and starts no run', async () => {
    // Prepare
    const { body } = fixture<{ body: string }>('alert-089.json');

    // Act
    const { response, json, client, sink } = await postAlert(body);

    // Assess
    expect(response.status).toBe(400);
    expect(json.error?.code).toBe('InvalidAlert');
    expect(json.error?.message).toBe(
      "Invalid alert: $.data.essentials.alertTargetIDs[0]: resource id has an invalid loadBalancers name 'lb-web?api-version=2024-05-01' (ARM allows 1-80 letters, digits, underscores, periods and hyphens, starting with a letter or digit and ending with a letter, digit or underscore): '/subscriptions/11111111-2222-3333-4444-555555555555/resourceGroups/rg-web/providers/Microsoft.Network/loadBalancers/lb-web?api-version=2024-05-01'",
    );
    expect(client.started).toEqual([]);
    expect(sink.events.map((e) => [e.name, e.outcome])).toEqual([['ProbeDoctor.AlertRejected', 'malformed']]);
  });

  it.each([
    ['..', '..'],
    ['.', '.'],
    ['$(id)', '$(id)'],
    ['a 100 KB name', 'x'.repeat(100_000)],
  ])('the same kind with %s is refused, audited, and starts no run', async (_case, name) => {
    // Prepare: the case's alert, its target renamed.
    const { body } = fixture<{ body: string }>('alert-089.json');
    const alert = JSON.parse(body) as { data: { essentials: { alertTargetIDs: string[] } } };
    alert.data.essentials.alertTargetIDs = [
      `/subscriptions/11111111-2222-3333-4444-555555555555/resourceGroups/rg-web/providers/Microsoft.Network/loadBalancers/${name}`,
    ];

    // Act
    const { response, json, client, sink } = await postAlert(JSON.stringify(alert));

    // Assess
    expect(response.status).toBe(400);
    expect(json.error?.message).toMatch(/^Invalid alert: \$\.data\.essentials\.alertTargetIDs\[0\]: /);
    expect(json.error!.message.length).toBeLessThan(800);
    expect(client.started).toEqual([]);
    expect(sink.events.map((e) => e.name)).toEqual(['ProbeDoctor.AlertRejected']);
  });

  it('a non-GUID subscription is refused as malformed and the refusal is audited (no InvalidAuditEventError)', async () => {
    // Prepare
    const { body } = fixture<{ body: string }>('alert-089.json');
    const alert = JSON.parse(body) as { data: { essentials: { alertTargetIDs: string[] } } };
    alert.data.essentials.alertTargetIDs = [
      '/subscriptions/not-a-guid/resourceGroups/rg-web/providers/Microsoft.Network/loadBalancers/lb-web',
    ];

    // Act
    const { response, json, sink } = await postAlert(JSON.stringify(alert), 'not-a-guid');

    // Assess
    expect(response.status).toBe(400);
    expect(json.error?.message).toContain(
      "invalid subscription id 'not-a-guid' (a subscription id is a GUID)",
    );
    expect(sink.events.map((e) => [e.name, e.outcome])).toEqual([['ProbeDoctor.AlertRejected', 'malformed']]);
  });
});

describe('approval-187: an approval with an empty x-ms-client-principal-name header', () => {
  it('is recorded as the name the body claims, unverified, with no crash', async () => {
    // Prepare
    const { headers, body } = fixture<{ headers: Record<string, string>; body: string }>('approval-187.json');
    const instanceId = `pd-${'a'.repeat(32)}`;
    const client = new ClientWithInput({
      loadBalancerId:
        '/subscriptions/11111111-2222-3333-4444-555555555555/resourceGroups/rg-web/providers/Microsoft.Network/loadBalancers/lb-web',
    });
    client.statuses.set(instanceId, 'Running');
    const sink = new MemoryAuditSink();
    const request = new HttpRequest({
      method: 'POST',
      url: `http://127.0.0.1:7071/api/remediations/${instanceId}/approval`,
      params: { instanceId },
      headers,
      body: { string: body },
    });

    // Act
    const response = await handleApproval(request, new InvocationContext(), {
      client,
      audit: createTriggerAudit(sink, 'fix', 'invocation-1'),
    });

    // Assess
    expect(response.status).toBe(202);
    expect(sink.events).toMatchObject([
      { name: 'ProbeDoctor.ApprovalReceived', by: 'mallory', verified: 'false', outcome: 'approve' },
    ]);
    expect(client.raised).toEqual([
      { instanceId, name: 'approval', data: { decision: 'approve', by: 'mallory' } },
    ]);
  });
});

describe('cli-141: an ARM answer with two probes of one name', () => {
  it('--fix exits 2 with one clear error naming the duplicate; nothing is planned or written', async () => {
    // Prepare
    const cli = fixture<{ loadBalancerId: string }>('cli-141.json');
    let out = '';
    let err = '';

    // Act
    const code = await main(
      [
        'node',
        'probe-doctor',
        'diagnose',
        '--load-balancer',
        cli.loadBalancerId,
        '--scenario',
        join(FIXTURES, 'cli-141-scenario.json'),
        '--json',
        '--fix',
      ],
      { out: (t) => (out += t), err: (t) => (err += t) },
    );

    // Assess
    expect(code).toBe(2);
    expect(out).toBe('');
    expect(err).toContain(
      "$.resources[6].properties.probes[1].name: two probes named 'probe-orders-health' (also at $.resources[6].properties.probes[0].name); ARM keeps names unique within a collection",
    );
  });
});
