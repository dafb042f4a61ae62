import * as df from 'durable-functions';
import { createActivities } from '../src/workflow/activities';
import type { ActivityName } from '../src/workflow/names';
import { unwiredActivityDeps } from '../src/workflow/unwiredDeps';

const activities = createActivities(unwiredActivityDeps());

for (const [name, handler] of Object.entries(activities) as [
  ActivityName,
  (input: unknown) => Promise<unknown>,
][]) {
  df.app.activity(name, { handler });
}
