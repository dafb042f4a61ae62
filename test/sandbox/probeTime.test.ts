/**
 * The probe time layer's rule (load-balancer-custom-probe-overview.md, load-balancer-manage-health-
 * status.md): after a change, the first probe comes one interval later, the state flips after
 * `threshold` probes, and the "approaching" reasons are reported in between.
 */
import { reportedAt, type ProbeTimelineEntry } from '../../src/sandbox/probeTime';

const UP = { state: 'Up' as const, reason: 'Up_Probe_Success' };
const DOWN = { state: 'Down' as const, reason: 'Down_Probe_TcpProbeTimeout' };
const at = (seconds: number) => seconds * 1000;

function entry(from: ProbeTimelineEntry['from'], target: ProbeTimelineEntry['target']): ProbeTimelineEntry {
  return { from, target, since: 0, intervalMs: at(5), threshold: 3 };
}

describe('reportedAt', () => {
  it.each([
    ['down to up, before the first probe', entry(DOWN, UP), 4.9, DOWN],
    [
      'down to up, after one probe',
      entry(DOWN, UP),
      5,
      { state: 'Down', reason: 'Down_Probe_ApproachingHealthyThreshold' },
    ],
    [
      'down to up, after two probes',
      entry(DOWN, UP),
      14.9,
      { state: 'Down', reason: 'Down_Probe_ApproachingHealthyThreshold' },
    ],
    ['down to up, after threshold probes', entry(DOWN, UP), 15, UP],
    [
      'up to down, after one probe',
      entry(UP, DOWN),
      5,
      { state: 'Up', reason: 'Up_Probe_ApproachingUnhealthyThreshold' },
    ],
    ['up to down, after threshold probes', entry(UP, DOWN), 15, DOWN],
    ['a VM that stops: empty values at once', entry(UP, undefined), 0, undefined],
    ['a VM that starts: NA until the first probe', entry(undefined, UP), 1, { state: 'Down', reason: 'NA' }],
    [
      'a VM that starts: approaching after one probe',
      entry(undefined, UP),
      5,
      { state: 'Down', reason: 'Down_Probe_ApproachingHealthyThreshold' },
    ],
    [
      'another reason, same state: from the next probe',
      entry(DOWN, { state: 'Down', reason: 'Down_Probe_HttpStatusCodeError' }),
      5,
      { state: 'Down', reason: 'Down_Probe_HttpStatusCodeError' },
    ],
    ['the scenario state is settled', { ...entry(DOWN, UP), since: -Infinity }, 0, UP],
  ] as [string, ProbeTimelineEntry, number, unknown][])('%s', (_case, e, seconds, expected) => {
    expect(reportedAt(e, at(seconds))).toEqual(expected);
  });
});
