/**
 * The production composition of the Functions app: live Azure through the managed identity, the
 * audit sink from configuration, every activity wired. Built lazily on first use, so a missing or
 * malformed setting fails the invocation with the setting's name instead of the worker's start.
 */
import type { TokenCredential } from '@azure/core-auth';
import { DefaultAzureCredential } from '@azure/identity';
import type { AuditSink } from '../audit/sink';
import { createClientFactory } from '../azure/clients';
import { getConfig, type ProbeDoctorConfig } from '../config';
import type { ActivityDeps } from '../workflow/activities';
import { createActivityDeps } from './activityDeps';
import { createConfiguredAuditSink } from './auditSinks';
import { createRemediation } from './remediation';

interface FunctionsApp {
  config: ProbeDoctorConfig;
  credential: TokenCredential;
  auditSink: AuditSink;
  activityDeps: ActivityDeps;
}

let app: Promise<FunctionsApp> | undefined;

async function build(): Promise<FunctionsApp> {
  const config = getConfig({ requireAllowedScopes: true });
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
  return { config, credential, auditSink, activityDeps };
}

/** The process's app, built once. A failed build is not cached, so a fixed setting takes effect. */
export function functionsApp(): Promise<FunctionsApp> {
  app ??= build().catch((err: unknown) => {
    app = undefined;
    throw err;
  });
  return app;
}
