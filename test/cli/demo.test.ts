/** `npm run demo` end to end: the alert through the trigger, the run on the local host, the verdict. */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runDemo } from '../../src/cli/demo';
import { dipAvailabilityAlert } from '../../src/cli/demoAlert';
import { parseAlert } from '../../src/triggers/alertSchema';

describe('the demo', () => {
  it('takes the alert, joins the storm, fixes the NSG, proves it and ends resolved', async () => {
    // Prepare
    let out = '';
    const auditDir = mkdtempSync(join(tmpdir(), 'pd-demo-'));

    // Act
    const code = await runDemo({ out: (t) => void (out += t), err: (t) => void (out += t) }, { auditDir });

    // Assess
    expect(code).toBe(0);
    expect(out).toMatch(/-> 202 started \(instance pd-[0-9a-f]{32}\)/);
    expect(out).toContain('-> 202 joined');
    expect(out).toMatch(
      /^ +fix +applied nsg-allow-probe rule probe-doctor-allow-probe-8080-[0-9a-f]{8} priority 3999 on nsg-snet-app-a; destination: 10\.20\.1\.4, 10\.20\.1\.5 \(the backends are VMs a person adds to the pool; a new one needs its own rule\)$/m,
    );
    expect(out.trimEnd().split('\n').at(-1)).toBe('Verdict: RESOLVED');
    // Step 4 shows this run's audit trail, from its start to its end.
    const auditStep = out.slice(out.indexOf('4. Audit trail'), out.indexOf('5. Report'));
    expect(auditStep).toContain('FixApplied');
    expect(auditStep).toContain('RunFinished');
    const names = readFileSync(join(auditDir, 'audit.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { name: string; outcome: string })
      .map((e) => `${e.name}:${e.outcome}`);
    expect(names).toContain('ProbeDoctor.FixApplied:applied');
    expect(names.at(-1)).toBe('ProbeDoctor.RunFinished:resolved');
  });

  it('sends an alert the webhook accepts as a DipAvailability metric alert on the load balancer', () => {
    // Prepare
    const lb =
      '/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg/providers/Microsoft.Network/loadBalancers/lb';

    // Act
    const alert = parseAlert(dipAvailabilityAlert(lb, new Date('2026-11-25T00:00:00Z')));

    // Assess
    expect(alert).toMatchObject({ monitorCondition: 'Fired', loadBalancerId: lb.toLowerCase() });
  });
});
