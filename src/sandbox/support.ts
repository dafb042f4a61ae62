/**
 * Microsoft.Support, enough for escalation: the service catalogue (with a "Load Balancer" service and
 * its problem classifications) and support ticket creation, recorded so tests can read what was
 * submitted. Ids are GUID-shaped and derived from the names, so they are the same on every run.
 */
import { z } from 'zod';
import { invalidRequest } from './armErrors';
import { guidFrom } from './etags';
import { SandboxHttpError } from './httpError';
import { jsonPath } from './scenario';

type Json = Record<string, unknown>;

const SERVICES: readonly { name: string; resourceTypes: string[]; classifications: string[] }[] = [
  {
    name: 'Load Balancer',
    resourceTypes: ['MICROSOFT.NETWORK/LOADBALANCERS'],
    classifications: [
      'Health probe / Backend pool members are marked down',
      'Health probe / Probe configuration and behavior',
      'Connectivity / Cannot reach the frontend IP',
      'Connectivity / Intermittent connectivity',
      'Configuration / Load balancing rules and inbound NAT rules',
      'Outbound connectivity / SNAT port exhaustion',
    ],
  },
  {
    name: 'Virtual Network',
    resourceTypes: ['MICROSOFT.NETWORK/VIRTUALNETWORKS', 'MICROSOFT.NETWORK/NETWORKSECURITYGROUPS'],
    classifications: [
      'Network security groups / Rules not applied as expected',
      'Routing / User-defined routes',
    ],
  },
  {
    name: 'Virtual Machine running Linux',
    resourceTypes: ['MICROSOFT.COMPUTE/VIRTUALMACHINES'],
    classifications: [
      'Connectivity / Cannot connect to virtual machine by using RDP or SSH',
      'VM start / VM is not starting',
    ],
  },
];

/** The service id (GUID) of a catalogue service, derived from its display name. */
export function supportServiceGuid(displayName: string): string {
  return guidFrom(`support-service:${displayName}`);
}

/** The Load Balancer service's full id, for callers that build tickets. */
export const LOAD_BALANCER_SERVICE_ID = `/providers/Microsoft.Support/services/${supportServiceGuid('Load Balancer')}`;

/** `GET /providers/Microsoft.Support/services` */
export function listSupportServices(): { value: Json[] } {
  return {
    value: SERVICES.map((s) => {
      const name = supportServiceGuid(s.name);
      return {
        id: `/providers/Microsoft.Support/services/${name}`,
        name,
        type: 'Microsoft.Support/services',
        properties: { displayName: s.name, resourceTypes: s.resourceTypes },
      };
    }),
  };
}

/** `GET /providers/Microsoft.Support/services/{service}/problemClassifications`; 404 for an unknown service. */
export function listProblemClassifications(serviceName: string): { value: Json[] } {
  const service = SERVICES.find((s) => supportServiceGuid(s.name) === serviceName.toLowerCase());
  if (!service) {
    throw new SandboxHttpError(404, 'ResourceNotFound', `Service '${serviceName}' was not found.`);
  }
  const serviceId = `/providers/Microsoft.Support/services/${supportServiceGuid(service.name)}`;
  return {
    value: service.classifications.map((displayName) => {
      const name = guidFrom(`problem-classification:${service.name}:${displayName}`);
      return {
        id: `${serviceId}/problemClassifications/${name}`,
        name,
        type: 'Microsoft.Support/services/problemClassifications',
        properties: { displayName },
      };
    }),
  };
}

const ticketSchema = z.looseObject({
  properties: z.looseObject({
    serviceId: z.string().min(1),
    title: z.string().min(1),
    description: z.string().min(1),
    problemClassificationId: z.string().min(1),
    severity: z.enum(['minimal', 'moderate', 'critical', 'highestcriticalimpact']),
    // Required from api-version 2022-09-01-preview on; @azure/arm-support 2.1 speaks 2020-04-01 without it.
    advancedDiagnosticConsent: z.enum(['Yes', 'No']).optional(),
    contactDetails: z.looseObject({
      firstName: z.string().min(1),
      lastName: z.string().min(1),
      primaryEmailAddress: z.string().min(1),
      preferredContactMethod: z.enum(['email', 'phone']),
      preferredTimeZone: z.string().min(1),
      preferredSupportLanguage: z.string().min(1),
      country: z.string().min(1),
    }),
  }),
});

/** The support tickets submitted to one sandbox, in submission order. */
export class SupportTicketStore {
  private readonly tickets = new Map<string, Json>();
  private counter = 0;

  constructor(private readonly now: () => Date = () => new Date()) {}

  /** Validates and records a ticket; answers the ticket body ARM would return once created. */
  create(subscriptionId: string, name: string, body: unknown): Json {
    const parsed = ticketSchema.safeParse(body);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw invalidRequest(`${jsonPath(issue?.path ?? [])}: ${issue?.message ?? 'invalid'}`);
    }
    const p = parsed.data.properties;
    const service = SERVICES.find((s) => p.serviceId.toLowerCase().endsWith(supportServiceGuid(s.name)));
    const classification = service
      ? listProblemClassifications(supportServiceGuid(service.name)).value.find(
          (c) => String(c.id).toLowerCase() === p.problemClassificationId.toLowerCase(),
        )
      : undefined;
    this.counter += 1;
    const created = this.now()
      .toISOString()
      .replace(/\.\d{3}Z$/, 'Z');
    const ticket: Json = {
      id: `/subscriptions/${subscriptionId}/providers/Microsoft.Support/supportTickets/${name}`,
      name,
      type: 'Microsoft.Support/supportTickets',
      properties: {
        ...p,
        supportTicketId: String(119120321001000 + this.counter),
        problemClassificationDisplayName: (classification?.properties as Json | undefined)?.displayName ?? '',
        serviceDisplayName: service?.name ?? '',
        require24X7Response: false,
        serviceLevelAgreement: { startTime: created, expirationTime: created, slaMinutes: 240 },
        supportEngineer: { emailAddress: null },
        supportPlanType: 'Premier',
        supportPlanDisplayName: 'Premier',
        status: 'Open',
        createdDate: created,
        modifiedDate: created,
      },
    };
    this.tickets.set(`${subscriptionId}/${name}`.toLowerCase(), ticket);
    return ticket;
  }

  get(subscriptionId: string, name: string): Json | undefined {
    return this.tickets.get(`${subscriptionId}/${name}`.toLowerCase());
  }

  /** Every ticket submitted, oldest first. */
  all(): Json[] {
    return [...this.tickets.values()];
  }
}
