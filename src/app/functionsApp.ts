/**
 * The production composition of the Functions app: live Azure through the managed identity, the
 * audit sink from configuration, every activity wired. Built lazily on first use, so a missing or
 * malformed setting fails the invocation with the setting's name instead of the worker's start.
 *
 * Cold start: the Functions worker loads every registration (functions/*.ts) before the first
 * invocation, and they all import this file. So everything heavy (Azure identity, the ARM and Storage
 * SDK clients, the activities' wiring, the audit exporter) is loaded here with `await import(...)`
 * inside `build()`, on the first invocation, never at import. test/app/functionsBundle.test.ts fails if
 * one of them becomes an eager import again.
 */
import type { TokenCredential } from '@azure/core-auth';
import type { AuditSink } from '../audit/sink';
import { getConfig, type ProbeDoctorConfig } from '../config';
import type { RunStore } from '../runstore/runStore';
import type { ActivityDeps } from '../workflow/activities';

/** The container that holds the run store's blobs (created on first use). */
export const RUN_STORE_CONTAINER = 'probe-doctor-runs';

interface FunctionsApp {
  config: ProbeDoctorConfig;
  credential: TokenCredential;
  auditSink: AuditSink;
  activityDeps: ActivityDeps;
  /**
   * Where activities keep large values (pass to `createActivities`). Activities run in many
   * processes, so an in-memory store cannot serve here: a blob container of the app's storage
   * account, or values inline in the history when no blob endpoint is configured.
   */
  runStore: RunStore;
}

let app: Promise<FunctionsApp> | undefined;

async function build(): Promise<FunctionsApp> {
  const config = getConfig({ requireAllowedScopes: true });
  const [
    { DefaultAzureCredential },
    { createClientFactory },
    { createActivityDeps },
    { createConfiguredAuditSink },
    { createRemediation },
  ] = await Promise.all([
    import('@azure/identity'),
    import('../azure/clients'),
    import('./activityDeps'),
    import('./auditSinks'),
    import('./remediation'),
  ]);
  // Only ever built here, in the deployed app: it probes the instance-metadata address, and with
  // AZURE_CLIENT_ID set (infra does) it picks the user-assigned managed identity.
  const credential = new DefaultAzureCredential();
  const auditSink = await createConfiguredAuditSink(config, credential);
  const activityDeps = createActivityDeps({
    clientsFor: createClientFactory({ kind: 'live', credential }),
    config,
    auditSink,
    remediation: createRemediation(),
    // The per-activity trace goes to the Functions log; the audit trail is the sink above.
    progress: (event) => console.log(JSON.stringify({ probeDoctorActivity: event })),
  });
  return { config, credential, auditSink, activityDeps, runStore: await createRunStore(config, credential) };
}

/**
 * Large per-run values live in a blob container of the app's storage account (write-once, by content
 * hash) so the durable history keeps only refs; without the setting they travel inline.
 */
async function createRunStore(config: ProbeDoctorConfig, credential: TokenCredential): Promise<RunStore> {
  if (!config.runStoreBlobServiceUri) {
    const { InlineRunStore } = await import('../runstore/inlineRunStore');
    return new InlineRunStore();
  }
  const [{ BlobServiceClient }, { BlobRunStore }] = await Promise.all([
    import('@azure/storage-blob'),
    import('../runstore/blobRunStore'),
  ]);
  return new BlobRunStore(
    new BlobServiceClient(config.runStoreBlobServiceUri, credential).getContainerClient(RUN_STORE_CONTAINER),
  );
}

/** The process's app, built once. A failed build is not cached, so a fixed setting takes effect. */
export function functionsApp(): Promise<FunctionsApp> {
  app ??= build().catch((err: unknown) => {
    app = undefined;
    throw err;
  });
  return app;
}
