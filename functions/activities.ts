import * as df from 'durable-functions';
import { functionsApp } from '../src/app/functionsApp';
import type { ActivityFunction } from '../src/workflow/activities';
import { ACTIVITY, type ActivityName } from '../src/workflow/names';

/**
 * Activities are built on first use: configuration errors surface with the setting's name, and the
 * activities' code (and the SDKs under it) is not loaded at the worker's start (cold start).
 */
let activities: Promise<Record<ActivityName, ActivityFunction>> | undefined;
const activity = (name: ActivityName) => async (input: unknown) => {
  // The run store must be shared by every worker (blob in production): refs cross processes.
  activities ??= Promise.all([functionsApp(), import('../src/workflow/activities')]).then(
    ([app, { createActivities }]) => createActivities(app.activityDeps, app.runStore),
  );
  return (await activities)[name](input);
};

for (const name of Object.values(ACTIVITY)) {
  df.app.activity(name, { handler: activity(name) });
}
