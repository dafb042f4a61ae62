/**
 * Replay check: runs an orchestrator again over every episode prefix of a recorded history and
 * reports where it would schedule something other than what the history says it scheduled, by
 * sequence number, name and input (what the real host reports as a non-deterministic orchestration).
 */
import type { OrchestrationHandler } from 'durable-functions';
import { HistoryEventType, toJson, type HistoryEvent } from './events';
import { replayOnce } from './replay';

/** Indexes of the OrchestratorCompleted events: each closes one episode. */
export function episodeEnds(history: HistoryEvent[]): number[] {
  return history.flatMap((e, i) => (e.EventType === HistoryEventType.OrchestratorCompleted ? [i] : []));
}

/**
 * Replays `fn` over each prefix of `history` that ends where an episode ended, and returns the
 * divergences (empty when the orchestrator is deterministic over this history).
 */
export async function findNonDeterminism(
  fn: OrchestrationHandler,
  instanceId: string,
  input: unknown,
  history: HistoryEvent[],
): Promise<string[]> {
  const divergences: string[] = [];
  const scheduled = new Map<number, HistoryEvent>();
  for (const e of history) {
    if (
      e.EventType === HistoryEventType.TaskScheduled ||
      e.EventType === HistoryEventType.TimerCreated ||
      e.EventType === HistoryEventType.EventSent
    ) {
      scheduled.set(e.EventId, e);
    }
  }
  const ends = episodeEnds(history);
  for (const [n, end] of ends.entries()) {
    const outcome = await replayOnce(fn, instanceId, history.slice(0, end), input);
    const where = `episode ${n + 1}`;
    const isLast = n === ends.length - 1;
    if (outcome.status !== 'running' && !isLast) {
      divergences.push(`${where}: orchestrator ${outcome.status} but the history goes on`);
      continue;
    }
    if (outcome.status !== 'running') continue;
    for (const w of outcome.work) {
      const recorded = scheduled.get(w.id);
      if (!recorded) {
        divergences.push(`${where}: ${w.kind} #${w.id} was never scheduled in the history`);
      } else if (w.kind === 'activity' || w.kind === 'sub-orchestration') {
        const now = `${w.name}(${toJson(fromAction(w.input))})`;
        const then = `${String(recorded['Name'])}(${String(recorded['Input'])})`;
        if (now !== then) divergences.push(`${where}: #${w.id} is ${now}, recorded ${then}`);
      } else if (w.kind === 'lock') {
        const then = (JSON.parse(String(recorded['Input'])) as { id?: string; lockset?: string[] }) ?? {};
        const now = `lock ${w.lockRequestId} [${w.entities.join(', ')}]`;
        const was = `lock ${String(then.id)} [${(then.lockset ?? []).join(', ')}]`;
        if (now !== was) divergences.push(`${where}: #${w.id} is ${now}, recorded ${was}`);
      } else if (w.kind === 'timer') {
        const at = new Date(recorded['FireAt'] as Date).getTime();
        if (at !== w.fireAt.getTime()) {
          divergences.push(
            `${where}: timer #${w.id} fires at ${w.fireAt.toISOString()}, recorded ${new Date(at).toISOString()}`,
          );
        }
      }
    }
  }
  return divergences;
}

function fromAction(input: unknown): unknown {
  return typeof input === 'string' ? (JSON.parse(input) as unknown) : input;
}
