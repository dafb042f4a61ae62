/**
 * What one check returns: the causes it found, the notes a person needs, and what it verified (so an
 * `unknown` verdict can say exactly what was checked before escalating).
 */
import type { Cause, Note } from '../model/report';

export interface Findings {
  causes: Cause[];
  notes: Note[];
  /** One phrase per check that ran and passed or found a cause, e.g. `NSGs on the probe path`. */
  checked: string[];
}

export const noFindings = (): Findings => ({ causes: [], notes: [], checked: [] });

/** Concatenates findings in order. */
export function mergeFindings(...all: Findings[]): Findings {
  return {
    causes: all.flatMap((f) => f.causes),
    notes: all.flatMap((f) => f.notes),
    checked: all.flatMap((f) => f.checked),
  };
}
