/**
 * The sweep's composition: Resource Graph for the inventory, the SDK readers for ARM, and a durable
 * client to start or join each remediation. The CLI passes the local host's client; the timer
 * function passes the Functions host's.
 */
import type { AuditSink } from '../audit/sink';
import { createClientFactory, createResourceGraphClient, type AzureTarget } from '../azure/clients';
import { createSdkAzureReader } from '../azure/reader';
import { createResourceGraphInventory } from '../azure/resourceGraph';
import { createArmScopeChecker } from '../azure/scopeCheck';
import { createSdkTopologyReader } from '../azure/topologyReader';
import type { AllowedScope } from '../config';
import { auditSweep } from '../sweep/audit';
import {
  DEFAULT_LOAD_BALANCERS_PER_SECOND,
  runSweep,
  type SweepEntry,
  type SweepReport,
} from '../sweep/sweep';
import { startOrJoin, type OrchestrationClient } from '../triggers/client';
import { instanceIdFor } from '../triggers/instanceId';

export interface SweepFleetOptions {
  target: AzureTarget;
  client: OrchestrationClient;
  sweepId: string;
  scopes: readonly AllowedScope[];
  mode: 'observe' | 'fix';
  concurrency: number;
  /** Pace of the sweep (see SweepOptions); the default when omitted, 0 for none (the sandbox). */
  loadBalancersPerSecond?: number;
  /** Where the SweepCompleted event goes; nothing is recorded when omitted. */
  auditSink?: AuditSink;
  onEntry?: (entry: SweepEntry) => void;
}

/** Sweeps the scopes and records the SweepCompleted event. */
export async function sweepFleet(options: SweepFleetOptions): Promise<SweepReport> {
  const clientsFor = createClientFactory(options.target);
  const topology = createSdkTopologyReader(clientsFor);
  const report = await runSweep(
    {
      inventory: createResourceGraphInventory(createResourceGraphClient(options.target)),
      readLoadBalancer: (id) => topology.getLoadBalancer(id),
      reader: createSdkAzureReader(clientsFor),
      scopeChecker: createArmScopeChecker(clientsFor),
      startOrJoin: async (input) => {
        const instanceId = instanceIdFor(input.loadBalancerId);
        const outcome = await startOrJoin(options.client, instanceId, input);
        return { instanceId, joined: outcome.joined };
      },
    },
    {
      sweepId: options.sweepId,
      scopes: options.scopes,
      mode: options.mode,
      concurrency: options.concurrency,
      loadBalancersPerSecond: options.loadBalancersPerSecond ?? DEFAULT_LOAD_BALANCERS_PER_SECOND,
      ...(options.onEntry ? { onEntry: options.onEntry } : {}),
    },
  );
  if (options.auditSink) await auditSweep(options.auditSink, report);
  return report;
}
