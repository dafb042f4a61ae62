/**
 * Probe design, even when everything is up (issue 13, item 5): a probe on a port that is not the
 * service's (SSH in front of an appliance pair) stays green while the data path is dead, so a healthy
 * run still says so, as advice with its evidence and never as a cause; an HA ports rule (frontend and
 * backend port 0) is read as such, never as "backend port 0". End to end over the shipped scenario
 * appliance-probe-on-ssh (expectations written from Microsoft's design guidance, in its description).
 */
import { runShippedScenario } from '../helpers/shippedRun';

const run = runShippedScenario;

describe('probe design findings on a healthy run', () => {
  it.each(['observe', 'fix'] as const)(
    'an SSH probe in front of an appliance pair on HA ports is advice, and the run stays healthy (%s)',
    async (mode) => {
      // Act
      const { report, writes } = await run('appliance-probe-on-ssh.json', mode);

      // Assess
      expect(report.verdict).toBe('healthy');
      expect(report.whoMustAct).toBe('nobody');
      expect(writes).toEqual([]);
      expect(report.causes).toEqual([]);
      expect(report.backends.every((b) => b.probeState === 'up' && b.causes.length === 0)).toBe(true);
      const design = report.notes?.filter((n) => n.id === 'probe-design') ?? [];
      expect(design).toHaveLength(1);
      expect(design[0]?.summary).toMatch(
        /^Probe probe-ssh on lbi-nva checks port 22 \(SSH\) for rule rule-ha-ports, which serves every port \(HA ports\): SSH answers whether or not the load-balanced service works/,
      );
      expect(design[0]?.evidence).toMatchObject({
        severity: 'advice',
        probePort: 22,
        haPorts: true,
        portRole: 'SSH',
      });
      expect(report.notes?.map((n) => n.id)).toContain('ha-ports');
      // Not the "probe port differs from backend port 0" reading of an ordinary rule.
      expect(report.notes?.map((n) => n.id)).not.toContain('probe-port-differs');
      expect(JSON.stringify(report)).not.toMatch(/traffic to backend port 0/);
    },
  );

  it("says nothing of design where the probe checks the rule's own port", async () => {
    // Act
    const { report } = await run('healthy.json', 'observe');

    // Assess
    expect(report.verdict).toBe('healthy');
    expect(report.notes?.filter((n) => n.id === 'probe-design' || n.id === 'ha-ports') ?? []).toEqual([]);
  });
});
