import * as df from 'durable-functions';
import { NSG_LOCK_ENTITY } from '../src/workflow/names';

/**
 * The per-NSG lock entity. Orchestrations only lock it (`context.df.lock`) around NSG writes; it
 * holds no state and takes no operations, so its handler does nothing. Locks need replay schema V4,
 * which durable-functions takes from the schema version the Durable extension announces (there is no
 * per-orchestration option): the deployed extension bundle must announce V4, or `lock` throws.
 */
df.app.entity(NSG_LOCK_ENTITY, () => undefined);
