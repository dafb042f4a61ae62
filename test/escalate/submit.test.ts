import {
  getTicketClassification,
  pickClassification,
  resetTicketClassificationCache,
} from '../../src/escalate/classification';
import { escalate, ticketNameFor } from '../../src/escalate/submit';
import { listProblemClassifications, supportServiceGuid } from '../../src/sandbox/support';
import { loadScenario } from '../remediate/sandboxRun';
import { startTestSandbox, type TestSandbox } from '../helpers/sandboxClients';
import type { Diagnosis } from '../../src/model/diagnosis';
import { webTopology } from '../helpers/topologyBuilder';

const CONTACT = {
  firstName: 'Ada',
  lastName: 'Lovelace',
  email: 'ada@contoso.com',
  country: 'gbr',
  timeZone: 'GMT Standard Time',
  language: 'en-GB',
};

describe('pickClassification', () => {
  it.each<[string, string[], string | undefined]>([
    [
      'members-down first',
      [
        'Connectivity / X',
        'Health probe / Probe configuration',
        'Health probe / Backend pool members are marked down',
      ],
      'Health probe / Backend pool members are marked down',
    ],
    [
      'any health probe next',
      ['Connectivity / X', 'Health probe / Probe configuration'],
      'Health probe / Probe configuration',
    ],
    ['connectivity next', ['Outbound / SNAT', 'Connectivity / X'], 'Connectivity / X'],
    ['else the first', ['Outbound / SNAT', 'Other'], 'Outbound / SNAT'],
    ['nothing listed', [], undefined],
  ])('%s', (_case, names, expected) => {
    expect(pickClassification(names.map((displayName) => ({ displayName })))?.displayName).toBe(expected);
  });
});

describe('escalation through the sandbox', () => {
  let t: TestSandbox;
  beforeEach(async () => {
    resetTicketClassificationCache();
    t = await startTestSandbox(await loadScenario('nsg-deny-all-blocks-probe'));
  });
  afterEach(() => t.stop());

  it('looks the Load Balancer classification up once and caches it', async () => {
    // Prepare
    const lbService = supportServiceGuid('Load Balancer');
    const expected = listProblemClassifications(lbService).value.find(
      (c) =>
        (c.properties as { displayName: string }).displayName ===
        'Health probe / Backend pool members are marked down',
    );

    // Act
    const first = await getTicketClassification(t.support);
    const second = await getTicketClassification(t.support);

    // Assess
    expect(first).toEqual({
      serviceId: `/providers/Microsoft.Support/services/${lbService}`,
      serviceDisplayName: 'Load Balancer',
      problemClassificationId: expected?.id,
      problemClassificationDisplayName: 'Health probe / Backend pool members are marked down',
    });
    expect(second).toBe(first);
    expect(t.sandbox.requestLog.filter((e) => /Microsoft\.Support\/services/.test(e.path))).toHaveLength(2);
  });

  function escalateInput(mode: 'observe' | 'fix' = 'fix') {
    const topology = webTopology({ vmCount: 1 }).build();
    const key = topology.backends[0]!.key;
    const diagnosis: Diagnosis = { causes: [], backends: [{ key, probeState: 'down', causes: [] }] };
    return {
      run: {
        runId: '20261130T100000000Z-pd-run-9',
        loadBalancerId: topology.loadBalancer.id,
        mode,
        trigger: 'cli' as const,
      },
      topology,
      diagnosis,
      fixes: [],
      stillDown: [key],
    };
  }

  it('builds the ticket without submitting it unless configured', async () => {
    // Act
    const out = await escalate({ support: t.support, submit: false, contact: CONTACT }, escalateInput());

    // Assess
    expect(out.submitted).toBe(false);
    expect((out.supportTicket.properties as { severity: string }).severity).toBe('critical');
    expect(t.sandbox.supportTickets()).toEqual([]);
  });

  it('never submits in observe mode, even when configured: observe mode changes nothing', async () => {
    // Act
    const out = await escalate(
      { support: t.support, submit: true, contact: CONTACT },
      escalateInput('observe'),
    );

    // Assess
    expect(out.submitted).toBe(false);
    expect(out.supportTicket).toHaveProperty('properties.title');
    expect(t.sandbox.supportTickets()).toEqual([]);
  });

  it('submits through @azure/arm-support when configured', async () => {
    // Act
    const out = await escalate({ support: t.support, submit: true, contact: CONTACT }, escalateInput());

    // Assess
    const stored = t.sandbox.supportTickets();
    expect(stored).toHaveLength(1);
    expect(stored[0]!.name).toBe('probe-doctor-20261130T100000000Z-pd-run-9');
    expect(stored[0]!.name).toBe(ticketNameFor('20261130T100000000Z-pd-run-9'));
    const props = stored[0]!.properties as Record<string, unknown>;
    expect(props.title).toBe((out.supportTicket.properties as { title: string }).title);
    expect(props.problemClassificationDisplayName).toBe(
      'Health probe / Backend pool members are marked down',
    );
    expect(out).toMatchObject({ submitted: true, ticketId: props.supportTicketId });
  });
});
