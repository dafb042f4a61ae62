/**
 * The docs describe the report contract and the run's behaviour as the code has it now (#10): every
 * verdict and every `whoMustAct` value is explained, and the lines the docs quote are the lines the
 * commands print: the real wait of a fix run (for the shipped scenario's probe) and the one-line
 * missing-credential failure (from the product's own failure description).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CredentialUnavailableError } from '@azure/identity';
import { waitLine } from '../../src/app/localRun';
import { mapLoadBalancer } from '../../src/azure/map';
import { probeWait } from '../../src/workflow/flow';
import { describeFailure } from '../../src/azure/callError';
import { VERDICTS } from '../../src/model/report';

const ROOT = join(__dirname, '../..');
const doc = (file: string) => readFileSync(join(ROOT, file), 'utf8');
const REPORT_DOCS = ['README.md', 'docs/runbook.md', 'docs/report.md'];

describe('the docs describe the report contract', () => {
  it.each(REPORT_DOCS)('%s names every verdict', (file) => {
    // Act
    const text = doc(file);

    // Assess
    expect(VERDICTS.filter((v) => !text.includes(`\`${v}\``))).toEqual([]);
  });

  it.each(['README.md', 'docs/report.md', 'docs/runbook.md'])(
    '%s explains whoMustAct, nextSteps and the run id',
    (file) => {
      // Act
      const text = doc(file);

      // Assess
      for (const term of ['`whoMustAct`', '`nextSteps`', '`runId`', '`customer`', '`microsoft`']) {
        expect({ file, term, found: text.includes(term) }).toEqual({ file, term, found: true });
      }
    },
  );

  it.each(['README.md', 'docs/report.md', 'docs/runbook.md'])(
    '%s says how a Basic load balancer is validated',
    (file) => {
      expect(doc(file)).toMatch(/Basic\b[^.]*\b(neither|no) (the )?per-rule health/i);
    },
  );
});

describe('the lines the docs quote are the lines the commands print', () => {
  it('the probe wait of a --fix run on the shipped scenario', () => {
    // Prepare: the scenario's probes, as discovery maps them (the SDK flattens `properties`).
    type ArmChild = { id: string; name: string; properties: Record<string, unknown> };
    const scenario = JSON.parse(doc('scenarios/nsg-deny-all-blocks-probe.json')) as {
      resources: (ArmChild & { type: string; properties: { probes?: ArmChild[] } })[];
    };
    const lb = scenario.resources.find((r) => r.type === 'Microsoft.Network/loadBalancers')!;
    const { probes } = mapLoadBalancer({
      id: lb.id,
      name: lb.name,
      probes: (lb.properties.probes ?? []).map((p) => ({ id: p.id, name: p.name, ...p.properties })),
    });

    // Act: the line the CLI prints (`probe-doctor: ` + waitLine) for the wait the orchestrator asks
    // for (liveSandbox.test.ts sees it printed on a real wait).
    const wait = probeWait(probes, 0);
    const printed = `probe-doctor: ${waitLine({
      instanceId: 'pd-x',
      fireAt: new Date(0),
      seconds: wait.seconds,
      kind: 'timer',
      customStatus: { waitReason: wait.reason },
    })}`;

    // Assess
    expect(printed).toBe('probe-doctor: waiting 10 s for the probe to re-test: interval 5 s x threshold 2');
    for (const file of ['README.md', 'docs/runbook.md']) expect(doc(file)).toContain(`\`${printed}\``);
  });

  it('the one-line failure when no credential can sign in', () => {
    // Act
    const { message } = describeFailure(new CredentialUnavailableError('no credential on this machine'));

    // Assess: the docs quote its start, up to the `az login` step.
    const quoted = `probe-doctor: ${message.slice(0, message.indexOf('`az login`') + '`az login`'.length)}`;
    expect(quoted).toContain('Next step: run `az login`');
    for (const file of ['README.md', 'docs/report.md']) expect(doc(file)).toContain(quoted);
  });
});
