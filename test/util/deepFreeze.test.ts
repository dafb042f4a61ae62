import { deepFreeze } from '../../src/util/deepFreeze';

describe('deepFreeze', () => {
  it('freezes every object and array reachable from the value, in place', () => {
    // Prepare
    const value = { backends: [{ key: 'nic0', poolIds: ['pool'] }], loadBalancer: { id: 'lb' } };

    // Act
    const frozen = deepFreeze(value);

    // Assess
    expect(frozen).toBe(value);
    expect(Object.isFrozen(value)).toBe(true);
    expect(Object.isFrozen(value.backends)).toBe(true);
    expect(Object.isFrozen(value.backends[0])).toBe(true);
    expect(Object.isFrozen(value.backends[0]?.poolIds)).toBe(true);
    expect(Object.isFrozen(value.loadBalancer)).toBe(true);
  });

  it('makes a write to any level throw instead of changing the value', () => {
    // Prepare
    const value = deepFreeze({ backends: [{ key: 'nic0', poolIds: ['pool'] }] });

    // Act
    const push = () => value.backends.push({ key: 'nic1', poolIds: [] });
    const assign = () => {
      (value.backends[0] as { key: string }).key = 'changed';
    };
    const nested = () => value.backends[0]?.poolIds.push('other');

    // Assess
    expect(push).toThrow(TypeError);
    expect(assign).toThrow(TypeError);
    expect(nested).toThrow(TypeError);
    expect(value).toEqual({ backends: [{ key: 'nic0', poolIds: ['pool'] }] });
  });

  it.each([null, undefined, 0, 'text', true])('returns a primitive (%p) as it is', (value) => {
    expect(deepFreeze(value)).toBe(value);
  });
});
