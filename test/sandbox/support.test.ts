/**
 * Microsoft.Support through the real @azure/arm-support client: the catalogue and ticket creation.
 */
import { LOAD_BALANCER_SERVICE_ID, supportServiceGuid } from '../../src/sandbox/support';
import { startTestSandbox, type TestSandbox } from '../helpers/sandboxClients';
import { fakeViews } from './fakeViews';
import { ids, miniScenario } from './miniScenario';

describe('sandbox Microsoft.Support', () => {
  let t: TestSandbox;
  beforeAll(async () => {
    t = await startTestSandbox(miniScenario(), { views: fakeViews() });
  });
  afterAll(async () => {
    await t.stop();
  });

  it('lists a Load Balancer service whose id is GUID-shaped and stable', async () => {
    // Act
    const services = [];
    for await (const s of t.support.services.list()) services.push(s);
    // Assess
    const lb = services.find((s) => s.displayName === 'Load Balancer');
    expect(lb?.id).toBe(LOAD_BALANCER_SERVICE_ID);
    expect(lb?.name).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    expect(lb?.name).toBe(supportServiceGuid('Load Balancer'));
  });

  it('lists health-probe problem classifications for the Load Balancer service', async () => {
    // Act
    const classifications = [];
    for await (const c of t.support.problemClassifications.list(supportServiceGuid('Load Balancer')))
      classifications.push(c);
    // Assess
    expect(classifications.map((c) => c.displayName)).toContain(
      'Health probe / Backend pool members are marked down',
    );
    expect(
      classifications.every((c) => c.id?.startsWith(`${LOAD_BALANCER_SERVICE_ID}/problemClassifications/`)),
    ).toBe(true);
  });

  it('creates a ticket through the LRO and records the submission', async () => {
    // Prepare
    const classifications = [];
    for await (const c of t.support.problemClassifications.list(supportServiceGuid('Load Balancer')))
      classifications.push(c);
    const problem = classifications[0];
    // Act
    const ticket = await t.support.supportTickets.beginCreateAndWait(
      'probe-doctor-1',
      {
        serviceId: LOAD_BALANCER_SERVICE_ID,
        problemClassificationId: problem?.id,
        title: 'Health probes fail on lb-web',
        description: 'probe-doctor found no cause',
        severity: 'moderate',
        contactDetails: {
          firstName: 'Ops',
          lastName: 'Team',
          primaryEmailAddress: 'ops@example.com',
          preferredContactMethod: 'email',
          preferredTimeZone: 'UTC',
          preferredSupportLanguage: 'en-US',
          country: 'usa',
        },
        technicalTicketDetails: { resourceId: ids.lb },
      },
      { updateIntervalInMs: 1 },
    );
    // Assess
    expect([
      ticket.name,
      ticket.status,
      ticket.serviceDisplayName,
      ticket.problemClassificationDisplayName,
    ]).toEqual(['probe-doctor-1', 'Open', 'Load Balancer', problem?.displayName]);
    expect(t.sandbox.supportTickets().map((x) => (x.properties as { title: string }).title)).toEqual([
      'Health probes fail on lb-web',
    ]);
  });
});
