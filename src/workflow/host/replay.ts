/**
 * One run of an orchestrator generator over a history, through the durable-functions library's own
 * replay code (what `df.app.orchestration` wraps a handler with).
 */
import { DummyOrchestrationContext, type OrchestrationHandler } from 'durable-functions';
import type { HistoryEvent } from 'durable-functions/lib/src/history/HistoryEvent';
import {
  createOrchestrator,
  DurableOrchestrationInput,
  type OrchestratorState,
  type RawAction,
} from 'durable-functions/lib/src/util/testingUtils';
import { ReplaySchema } from 'durable-functions/lib/src/orchestrations/ReplaySchema';
import { readOpenWork, type OpenWork, type RawExecutor } from './openWork';

/**
 * The replay schema the local host speaks, as an extension announces it: V4, the first with entity
 * locks (`context.df.lock`). Under V3+ WhenAll/WhenAny are compound actions.
 */
export const LOCAL_REPLAY_SCHEMA = ReplaySchema.V4;

/** The outcome of one replay. */
export type ReplayOutcome =
  | {
      status: 'running' | 'completed';
      /** Every action scheduled so far, flattened, in scheduling order (cumulative). */
      actions: RawAction[];
      output: unknown;
      customStatus: unknown;
      work: OpenWork[];
      waitingForEvents: string[];
    }
  | { status: 'failed'; error: string; actions: RawAction[]; customStatus: unknown };

const OUT_OF_PROC_LABEL = '\n\n$OutOfProcData$:';

/** The library reports a failed orchestration as `"<message>\n\n$OutOfProcData$:{state json}"`. */
export function parseOrchestrationFailure(message: string): {
  error: string;
  state?: Partial<OrchestratorState>;
} {
  const at = message.indexOf(OUT_OF_PROC_LABEL);
  if (at < 0) return { error: message };
  try {
    const state = JSON.parse(message.slice(at + OUT_OF_PROC_LABEL.length)) as Partial<OrchestratorState>;
    return { error: state.error ?? message.slice(0, at), state };
  } catch {
    return { error: message.slice(0, at) };
  }
}

/** A compound action's children, depth first, so every schema gives the same flat list. */
function flattenAction(action: RawAction): RawAction[] {
  return action.compoundActions ? action.compoundActions.flatMap(flattenAction) : [action];
}

const flatten = (actions: RawAction[][] | undefined): RawAction[] =>
  (actions ?? []).flat().flatMap(flattenAction);

/**
 * Runs `fn` over `history` and returns its actions and what it now waits for. Never throws for a
 * failure of the orchestrator itself: that is the `failed` outcome.
 */
export async function replayOnce(
  fn: OrchestrationHandler,
  instanceId: string,
  history: HistoryEvent[],
  input: unknown,
  schemaVersion: ReplaySchema = LOCAL_REPLAY_SCHEMA,
): Promise<ReplayOutcome> {
  const context = new DummyOrchestrationContext(instanceId, instanceId, () => undefined);
  const trigger = new DurableOrchestrationInput(
    instanceId,
    history,
    input,
    undefined,
    undefined,
    undefined,
    schemaVersion,
  );
  let state: OrchestratorState;
  try {
    state = await createOrchestrator(fn)(trigger, context);
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    const parsed = parseOrchestrationFailure(message);
    return {
      status: 'failed',
      error: parsed.error,
      actions: flatten(parsed.state?.actions),
      customStatus: parsed.state?.customStatus,
    };
  }
  // The executor is reachable from the context the library built (DurableOrchestrationContext keeps it).
  const executor = (context.df as unknown as { taskOrchestratorExecutor: RawExecutor })
    .taskOrchestratorExecutor;
  const open = readOpenWork(executor);
  return {
    status: state.isDone ? 'completed' : 'running',
    actions: flatten(state.actions),
    output: state.output,
    customStatus: state.customStatus,
    work: state.isDone ? [] : open.work,
    waitingForEvents: state.isDone ? [] : open.waitingForEvents,
  };
}
