import { allowRuleDescription, allowRuleName, isProbeDoctorRule } from '../../src/remediate/naming';
import { ids } from '../helpers/topologyBuilder';

describe('allowRuleName', () => {
  it('is the same for the same load balancer, however its id is cased', () => {
    // Act
    const a = allowRuleName(ids.lb('lb-web'), 80);
    const b = allowRuleName(ids.lb('lb-web').toUpperCase(), 80);

    // Assess
    expect(a).toMatch(/^probe-doctor-allow-probe-80-[0-9a-f]{8}$/);
    expect(b).toBe(a);
  });

  it('differs for two load balancers with the same probe port, so neither overwrites the other', () => {
    // Act / Assess
    expect(allowRuleName(ids.lb('lb-a'), 80)).not.toBe(allowRuleName(ids.lb('lb-b'), 80));
  });
});

describe('allowRuleDescription', () => {
  it('starts with the marker and names the run', () => {
    // Act
    const text = allowRuleDescription('lb-web', 80, 'pd-123');

    // Assess
    expect(text).toBe('probe-doctor: allow Azure Load Balancer probe to port 80 of lb-web; run pd-123');
  });

  // A run id as src/workflow/runId.ts makes it (55 characters); load balancer names have 1 to 80.
  const RUN_ID = '20261130T161612996Z-pd-7fe798614e914d464fbd6bde66305d85';

  it.each([
    [
      'a short name: the whole sentence',
      'lb-web',
      `probe-doctor: allow Azure Load Balancer probe to port 80 of lb-web; run ${RUN_ID}`,
    ],
    [
      'a 30-character name: the short sentence, name and run id whole',
      'lb-payments-westeurope-prod-01',
      `probe-doctor: allow LB probe port 80 of lb-payments-westeurope-prod-01; run ${RUN_ID}`,
    ],
    [
      'a 60-character name: only name:port and the run id, both whole',
      'n'.repeat(60),
      `probe-doctor: ${'n'.repeat(60)}:80 run ${RUN_ID}`,
    ],
  ])("fits ARM's 140 characters with %s", (_case, name, expected) => {
    // Act
    const text = allowRuleDescription(name, 80, RUN_ID);

    // Assess
    expect(text).toBe(expected);
    expect(text.length).toBeLessThanOrEqual(140);
  });

  it('cuts only an 80-character name (ARM allows that long a name), never the run id', () => {
    // Act
    const text = allowRuleDescription('n'.repeat(80), 65535, RUN_ID);

    // Assess
    expect(text).toHaveLength(140);
    expect(text.startsWith('probe-doctor: nnnn')).toBe(true);
    expect(text.endsWith(`:65535 run ${RUN_ID}`)).toBe(true);
  });
});

describe('isProbeDoctorRule', () => {
  it.each<[string, string, string | undefined, boolean]>([
    ['our name and marker', 'probe-doctor-allow-probe-80-abcd1234', 'probe-doctor: allow', true],
    [
      'our name without the marker (someone else took the name)',
      'probe-doctor-allow-probe-80-abcd1234',
      'mine',
      false,
    ],
    ['our name and no description', 'probe-doctor-allow-probe-80-abcd1234', undefined, false],
    ['the marker on another name', 'AllowWeb', 'probe-doctor: allow', false],
  ])('%s', (_case, name, description, expected) => {
    // Act / Assess
    expect(isProbeDoctorRule({ name, ...(description !== undefined ? { description } : {}) })).toBe(expected);
  });
});
