/**
 * Placeholder activity dependencies for the Functions registration until the azure/, diagnose/,
 * remediate/ and escalate/ adapters are wired in: every call fails with a message saying so.
 */
import { getConfig } from '../config';
import type { ActivityDeps } from './activities';

const notWired = (what: string) => (): Promise<never> =>
  Promise.reject(new Error(`${what} is not wired yet (src/workflow/unwiredDeps.ts).`));

/** ActivityDeps whose policy comes from the configuration and whose I/O is not wired yet. */
export function unwiredActivityDeps(): ActivityDeps {
  return {
    policy: () => {
      const config = getConfig();
      return {
        approvalRequiredFor: config.approvalRequiredFor,
        approvalTimeoutMinutes: config.approvalTimeoutMinutes,
        probeWaitMarginSeconds: config.probeWaitMarginSeconds,
        fanoutBatchSize: config.fanoutBatchSize,
        runDeadlineSeconds: config.runDeadlineSeconds,
        activityDeadlineSeconds: config.activityDeadlineSeconds,
      };
    },
    discover: notWired('discover'),
    checkBackend: notWired('checkBackend'),
    diagnose: notWired('diagnose'),
    planFixes: notWired('planFixes'),
    applyFixes: notWired('applyFixes'),
    validate: notWired('validate'),
    rollbackFixes: notWired('rollbackFixes'),
    escalate: notWired('escalate'),
    audit: (event) => console.log(JSON.stringify({ audit: event })),
  };
}
