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

  it("is cut to ARM's 140 characters", () => {
    // Act
    const text = allowRuleDescription('x'.repeat(200), 80, 'pd-123');

    // Assess
    expect(text).toHaveLength(140);
    expect(text.startsWith('probe-doctor:')).toBe(true);
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
