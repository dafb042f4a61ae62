import { HttpRequest, HttpResponse, InvocationContext, type HttpResponseInit } from '@azure/functions';
import { handleApproval } from '../../src/triggers/approval';
import type { TriggerAuditEvent } from '../../src/triggers/client';
import { instanceIdFor } from '../../src/triggers/instanceId';
import { FIX_MODE_OFF, handleManualStart } from '../../src/triggers/manualStart';
import { FakeClient } from './fakeClient';

const SUB = '11111111-2222-3333-4444-555555555555';
const LB = `/subscriptions/${SUB}/resourceGroups/rg-web/providers/Microsoft.Network/loadBalancers/lb-web`;
const ID = instanceIdFor(LB);
const noAudit = () => undefined;

const body = (r: HttpResponseInit | HttpResponse): Promise<unknown> =>
  r instanceof HttpResponse ? r.json() : Promise.resolve(r.jsonBody);

function start(
  client: FakeClient,
  text?: string,
  mode: 'observe' | 'fix' = 'observe',
  audit: (e: TriggerAuditEvent) => void = noAudit,
) {
  const request = new HttpRequest({
    method: 'POST',
    url: `http://127.0.0.1:7071/api/loadbalancers/${SUB}/rg-web/lb-web/remediations`,
    params: { subscription: SUB, resourceGroup: 'rg-web', name: 'lb-web' },
    ...(text !== undefined ? { body: { string: text } } : {}),
  });
  return handleManualStart(request, new InvocationContext(), {
    client,
    allowedScopes: [{ subscriptionId: SUB }],
    mode,
    audit,
  });
}

function approve(
  client: FakeClient,
  instanceId: string,
  text: string,
  headers: Record<string, string> = {},
  audit: (e: TriggerAuditEvent) => void = noAudit,
) {
  const request = new HttpRequest({
    method: 'POST',
    url: `http://127.0.0.1:7071/api/remediations/${instanceId}/approval`,
    params: { instanceId },
    headers,
    body: { string: text },
  });
  return handleApproval(request, new InvocationContext(), { client, audit });
}

describe('handleManualStart', () => {
  it.each([
    ['no body', 'observe', 'observe', undefined],
    ['no body', 'fix', 'fix', undefined],
    ['mode observe', 'fix', 'observe', '{"mode":"observe"}'],
    ['mode fix', 'fix', 'fix', '{"mode":"fix"}'],
  ] as const)(
    'starts with %s under PROBE_DOCTOR_MODE=%s -> 202, a %s run',
    async (_case, setting, mode, text) => {
      // Prepare
      const client = new FakeClient();

      // Act
      const response = await start(client, text, setting);

      // Assess
      expect(response.status).toBe(202);
      expect(await body(response)).toMatchObject({ id: ID });
      expect(client.started).toEqual([
        {
          name: 'probeDoctorOrchestrator',
          instanceId: ID,
          input: {
            loadBalancerId: LB,
            mode,
            requestedBy: 'http',
            runId: expect.stringMatching(new RegExp(`^\\d{8}T\\d{9}Z-${ID}$`)) as unknown,
          },
        },
      ]);
    },
  );

  it('answers 409 with the running instance URLs when a run is in progress', async () => {
    // Prepare
    const client = new FakeClient();
    client.statuses.set(ID, 'Running');

    // Act
    const response = await start(client);

    // Assess
    expect(response.status).toBe(409);
    expect(await body(response)).toMatchObject({
      id: ID,
      error: { code: 'RunInProgress', message: `A run for ${LB} is already Running.` },
    });
    expect(client.started).toEqual([]);
  });

  it("refuses a fix-mode start while PROBE_DOCTOR_MODE=observe (the runbook's stop-writes switch), starting nothing", async () => {
    // Prepare: the new-user trial of 2026-11-30 started a fix run this way after the switch was flipped.
    const client = new FakeClient();
    const events: TriggerAuditEvent[] = [];

    // Act
    const response = await start(client, '{"mode":"fix"}', 'observe', (e) => void events.push(e));

    // Assess
    expect(response.status).toBe(403);
    expect(await body(response)).toEqual({ error: { code: 'FixModeOff', message: FIX_MODE_OFF } });
    expect(FIX_MODE_OFF).toMatch(/PROBE_DOCTOR_MODE is observe/);
    expect(client.started).toEqual([]);
    expect(events).toMatchObject([{ trigger: 'manual', decision: 'fix-mode-off', loadBalancerId: LB }]);
  });

  it('answers 400 naming the field for a bad mode', async () => {
    // Act
    const response = await start(new FakeClient(), '{"mode":"repair"}');

    // Assess
    expect(response.status).toBe(400);
    expect(await body(response)).toEqual({
      error: { code: 'InvalidBody', message: 'Invalid body: $.mode: expected observe or fix' },
    });
  });
});

describe('handleApproval', () => {
  it.each([
    [
      'the principal header over the body, still unverified (App Service Authentication is off)',
      { 'x-ms-client-principal-name': 'alice@contoso.com' },
      'alice@contoso.com',
      false,
    ],
    ['the claimed name, marked unverified, without platform authentication', {}, 'ops@example.com', false],
    [
      'the claimed name when the principal header is empty',
      { 'x-ms-client-principal-name': '' },
      'ops@example.com',
      false,
    ],
    [
      'the claimed name when the principal header is blank',
      { 'x-ms-client-principal-name': '  ' },
      'ops@example.com',
      false,
    ],
  ])('records %s as the approver', async (_case, headers, by, verified) => {
    // Prepare
    const client = new FakeClient();
    client.statuses.set(ID, 'Running');
    const audit: TriggerAuditEvent[] = [];

    // Act
    await approve(
      client,
      ID,
      '{"decision":"approve","by":"ops@example.com"}',
      headers,
      (e) => void audit.push(e),
    );

    // Assess
    expect(client.raised).toEqual([{ instanceId: ID, name: 'approval', data: { decision: 'approve', by } }]);
    expect(audit).toMatchObject([
      {
        trigger: 'approval',
        decision: 'raised',
        instanceId: ID,
        detail: { decision: 'approve', by, verified },
      },
    ]);
  });

  it('raises the approval event on a running instance', async () => {
    // Prepare
    const client = new FakeClient();
    client.statuses.set(ID, 'Running');

    // Act
    const response = await approve(client, ID, '{"decision":"approve","by":"ops@example.com"}');

    // Assess
    expect(response.status).toBe(202);
    expect(client.raised).toEqual([
      { instanceId: ID, name: 'approval', data: { decision: 'approve', by: 'ops@example.com' } },
    ]);
  });

  it.each([
    [
      'a bad decision',
      ID,
      'Running',
      '{"decision":"maybe","by":"x"}',
      400,
      'Invalid body: $.decision: expected approve or reject',
    ],
    [
      'no approver',
      ID,
      'Running',
      '{"decision":"approve","by":" "}',
      400,
      'Invalid body: $.by: expected who decided',
    ],
    [
      'a foreign instance id',
      'abc',
      'Running',
      '{"decision":"approve","by":"x"}',
      400,
      'Invalid instance id: abc',
    ],
    ['an unknown instance', ID, undefined, '{"decision":"approve","by":"x"}', 404, `No remediation ${ID}.`],
    [
      'a finished instance',
      ID,
      'Completed',
      '{"decision":"approve","by":"x"}',
      409,
      `Remediation ${ID} is Completed; it does not wait for an approval.`,
    ],
  ])('refuses %s', async (_case, instanceId, status, text, code, message) => {
    // Prepare
    const client = new FakeClient();
    if (status) client.statuses.set(ID, status);

    // Act
    const response = await approve(client, instanceId, text);

    // Assess
    expect(response.status).toBe(code);
    expect(((await body(response)) as { error: { message: string } }).error.message).toBe(message);
    expect(client.raised).toEqual([]);
  });
});
