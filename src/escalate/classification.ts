/**
 * The Load Balancer service id and a problem classification for a failing health probe, looked up
 * through the Support API (`services.list`, `problemClassifications.list`) and cached per process. Ids
 * are never hard-coded: Microsoft does not publish them as constants.
 */
import type { MicrosoftSupport } from '@azure/arm-support';
import { callAzure } from '../azure/callError';
import { ProbeDoctorError } from '../errors';

export interface TicketClassification {
  serviceId: string;
  serviceDisplayName: string;
  problemClassificationId: string;
  problemClassificationDisplayName: string;
}

/** The service's display name in the catalogue. */
export const LOAD_BALANCER_SERVICE = 'Load Balancer';

/**
 * Preference order over classification display names: the health-probe "members down" one first, then
 * any health-probe one, then connectivity, then whatever the service lists first.
 */
export const CLASSIFICATION_PREFERENCE: readonly RegExp[] = [
  /health probe.*(down|unhealthy)/i,
  /health probe/i,
  /connectivity/i,
];

/** Picks the classification by {@link CLASSIFICATION_PREFERENCE}; undefined for an empty list. */
export function pickClassification<T extends { displayName?: string }>(list: readonly T[]): T | undefined {
  for (const pattern of CLASSIFICATION_PREFERENCE) {
    const found = list.find((c) => pattern.test(c.displayName ?? ''));
    if (found) return found;
  }
  return list[0];
}

type SupportCatalogue = Pick<MicrosoftSupport, 'services' | 'problemClassifications'>;

let cached: Promise<TicketClassification> | undefined;

async function lookUp(support: SupportCatalogue): Promise<TicketClassification> {
  return callAzure('look up the support classification for', LOAD_BALANCER_SERVICE, async () => {
    let service: { id?: string; name?: string; displayName?: string } | undefined;
    for await (const s of support.services.list()) {
      if ((s.displayName ?? '').toLowerCase() === LOAD_BALANCER_SERVICE.toLowerCase()) {
        service = s;
        break;
      }
    }
    if (!service?.id || !service.name) {
      throw new ProbeDoctorError(`the Support API lists no service named "${LOAD_BALANCER_SERVICE}"`);
    }
    const classifications: { id?: string; displayName?: string }[] = [];
    for await (const c of support.problemClassifications.list(service.name)) classifications.push(c);
    const chosen = pickClassification(classifications);
    if (!chosen?.id) {
      throw new ProbeDoctorError(
        `the Support API lists no problem classification for "${LOAD_BALANCER_SERVICE}"`,
      );
    }
    return {
      serviceId: service.id,
      serviceDisplayName: service.displayName ?? LOAD_BALANCER_SERVICE,
      problemClassificationId: chosen.id,
      problemClassificationDisplayName: chosen.displayName ?? '',
    };
  });
}

/** The classification, from the cache or looked up once per process (a failure is not cached). */
export function getTicketClassification(support: SupportCatalogue): Promise<TicketClassification> {
  if (!cached) {
    cached = lookUp(support);
    cached.catch(() => (cached = undefined));
  }
  return cached;
}

/** Forgets the cached classification (tests). */
export function resetTicketClassificationCache(): void {
  cached = undefined;
}
