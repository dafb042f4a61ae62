import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import { buildSupportTicket, severityFor, truncate, MAX_DESCRIPTION_LENGTH } from '../../src/escalate/ticket';
import type { Diagnosis } from '../../src/model/diagnosis';
import { ids, webTopology } from '../helpers/topologyBuilder';

const EXAMPLE = JSON.parse(
  readFileSync(
    join(__dirname, '..', 'fixtures', 'arm-examples', 'Microsoft.Support', 'SupportTickets_Create.json'),
    'utf8',
  ),
) as { parameters: { createSupportTicketParameters: { properties: Record<string, unknown> } } };
const exampleProps = EXAMPLE.parameters.createSupportTicketParameters.properties;

const CLASSIFICATION = {
  serviceId: '/providers/Microsoft.Support/services/svc',
  serviceDisplayName: 'Load Balancer',
  problemClassificationId: '/providers/Microsoft.Support/services/svc/problemClassifications/pc',
  problemClassificationDisplayName: 'Health probe / Backend pool members are marked down',
};
const CONTACT = {
  firstName: 'Ada',
  lastName: 'Lovelace',
  email: 'ada@contoso.com',
  country: 'gbr',
  timeZone: 'GMT Standard Time',
  language: 'en-GB',
};

function input(downKeys: string[], summaryLength = 40) {
  const topology = webTopology({ vmCount: 2 }).build();
  const diagnosis: Diagnosis = {
    causes: [],
    backends: topology.backends.map((b) => ({
      key: b.key,
      ipAddress: b.ipAddress,
      vmId: b.vmId,
      probeState: downKeys.includes(b.key) ? ('down' as const) : ('up' as const),
      healthReason: 'Down_Probe_TcpProbeTimeout',
      causes: downKeys.includes(b.key)
        ? [{ id: 'unknown' as const, summary: 'x'.repeat(summaryLength) }]
        : [],
    })),
  };
  return {
    run: {
      runId: 'pd-run-1',
      loadBalancerId: topology.loadBalancer.id,
      alertId: 'alert-7',
      mode: 'observe' as const,
      trigger: 'cli' as const,
    },
    topology,
    diagnosis,
    fixes: [
      {
        kind: 'nsg-allow-probe' as const,
        target: ids.nsg('nsg-web'),
        status: 'rolled-back' as const,
        reason: 'did not help',
        detail: { ruleName: 'probe-doctor-allow-probe-80-abcd1234', priority: 3999 },
      },
    ],
    stillDown: downKeys,
    classification: CLASSIFICATION,
    contact: CONTACT,
  };
}

const KEY1 = ids.ipConfig('vm-web-1-nic0');
const KEY2 = ids.ipConfig('vm-web-2-nic0');

describe('buildSupportTicket', () => {
  it("has every field of Microsoft's create example that the ticket needs, with the same types", () => {
    // Act
    const { properties } = buildSupportTicket(input([KEY1]));

    // Assess
    const needed = [
      'serviceId',
      'title',
      'description',
      'problemClassificationId',
      'severity',
      'advancedDiagnosticConsent',
      'contactDetails',
      'technicalTicketDetails',
    ];
    for (const field of needed) {
      expect(typeof (properties as Record<string, unknown>)[field]).toBe(typeof exampleProps[field]);
    }
    expect(Object.keys(properties.contactDetails).sort()).toEqual(
      Object.keys(exampleProps.contactDetails as object).sort(),
    );
    expect(Object.keys(properties.technicalTicketDetails)).toEqual(
      Object.keys(exampleProps.technicalTicketDetails as object),
    );
  });

  it('names the load balancer, the looked-up classification and the contact', () => {
    // Act
    const { properties } = buildSupportTicket(input([KEY1]));

    // Assess
    expect(properties).toMatchObject({
      serviceId: CLASSIFICATION.serviceId,
      problemClassificationId: CLASSIFICATION.problemClassificationId,
      title: 'Health probe failing on load balancer lb-web: 1 of 2 backends down',
      severity: 'moderate',
      advancedDiagnosticConsent: 'No',
      technicalTicketDetails: { resourceId: ids.lb() },
      contactDetails: {
        firstName: 'Ada',
        lastName: 'Lovelace',
        primaryEmailAddress: 'ada@contoso.com',
        preferredContactMethod: 'email',
        preferredTimeZone: 'GMT Standard Time',
        preferredSupportLanguage: 'en-GB',
        country: 'gbr',
      },
    });
  });

  it('describes every finding and what was tried, with the ids', () => {
    // Act
    const { description } = buildSupportTicket(input([KEY1])).properties;

    // Assess
    expect(description).toContain('probe-doctor run pd-run-1 (alert alert-7).');
    expect(description).toContain(`Load balancer: ${ids.lb()} (Standard).`);
    expect(description).toContain(`- 10.0.0.4 (${ids.vm('vm-web-1')}): Down_Probe_TcpProbeTimeout`);
    expect(description).toContain(`  - unknown: ${'x'.repeat(40)}`);
    expect(description).toContain(
      `- nsg-allow-probe on ${ids.nsg('nsg-web')} rule probe-doctor-allow-probe-80-abcd1234 priority 3999: rolled-back (did not help)`,
    );
  });

  it('truncates a long description to the limit, keeping the ids at the top', () => {
    // Act
    const { description } = buildSupportTicket(input([KEY1, KEY2], 4000)).properties;

    // Assess
    expect(description).toHaveLength(MAX_DESCRIPTION_LENGTH);
    expect(description.endsWith(' [truncated]')).toBe(true);
    expect(description.startsWith('probe-doctor run pd-run-1')).toBe(true);
  });
});

describe('severityFor', () => {
  it.each<[number, number, string]>([
    [3, 3, 'critical'],
    [3, 1, 'moderate'],
    [3, 0, 'minimal'],
    [1, 1, 'critical'],
  ])('%d backends, %d down -> %s', (total, down, expected) => {
    expect(severityFor(total, down)).toBe(expected);
  });
});

describe('truncate', () => {
  it.each<[string, number, string]>([
    ['short', 10, 'short'],
    ['a'.repeat(20), 15, 'aaa [truncated]'],
  ])('%s to %d', (text, max, expected) => {
    expect(truncate(text, max)).toBe(expected);
  });
});

describe('advancedDiagnosticConsent', () => {
  it("is the customer's answer from the setting, and No when they gave none", async () => {
    // Prepare
    const { loadConfig } = await import('../../src/config');

    // Act
    const unset = loadConfig({});
    const given = loadConfig({ PROBE_DOCTOR_ESCALATION_DIAGNOSTIC_CONSENT: 'Yes' });
    const bad = () => loadConfig({ PROBE_DOCTOR_ESCALATION_DIAGNOSTIC_CONSENT: 'yes please' });

    // Assess
    expect([unset.escalationDiagnosticConsent, given.escalationDiagnosticConsent]).toEqual(['No', 'Yes']);
    expect(bad).toThrow(/PROBE_DOCTOR_ESCALATION_DIAGNOSTIC_CONSENT.*expected Yes or No/);
  });
});
