import * as df from 'durable-functions';
import { functionsApp } from '../src/app/functionsApp';
import { ACTIVITY, type ActivityName } from '../src/workflow/names';
import { createActivities, type ActivityFunction } from '../src/workflow/activities';

/** Activities are built on first use: configuration errors surface with the setting's name. */
let activities: Promise<Record<ActivityName, ActivityFunction>> | undefined;
const activity = (name: ActivityName) => async (input: unknown) => {
  // The run store must be shared by every worker (blob in production): refs cross processes.
  activities ??= functionsApp().then((app) => createActivities(app.activityDeps, app.runStore));
  return (await activities)[name](input);
};

for (const name of Object.values(ACTIVITY)) {
  df.app.activity(name, { handler: activity(name) });
}
