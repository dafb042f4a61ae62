import { dipAvailabilityMetric } from '../../../src/sandbox/derive/metric';
import { armIds, webState } from '../../helpers/armBuilder';

describe('dipAvailabilityMetric', () => {
  it('reports 100 for Up and 0 for Down, split by backend IP', () => {
    // Prepare
    const state = webState({ guest1: { listening: [] } });
    // Act
    const body = dipAvailabilityMetric(state, armIds.lb(), new Date('2026-11-25T10:00:30Z')) as {
      timespan: string;
      value: { name: { value: string }; timeseries: unknown[] }[];
    };
    // Assess
    expect(body.timespan).toBe('2026-11-25T09:59:00.000Z/2026-11-25T10:00:00.000Z');
    expect(body.value[0]!.name.value).toBe('DipAvailability');
    expect(body.value[0]!.timeseries).toEqual([
      {
        metadatavalues: [
          { name: { value: 'backendipaddress', localizedValue: 'backendipaddress' }, value: '10.0.0.4' },
        ],
        data: [{ timeStamp: '2026-11-25T09:59:00.000Z', average: 0 }],
      },
      {
        metadatavalues: [
          { name: { value: 'backendipaddress', localizedValue: 'backendipaddress' }, value: '10.0.0.5' },
        ],
        data: [{ timeStamp: '2026-11-25T09:59:00.000Z', average: 100 }],
      },
    ]);
  });

  it('refuses a Basic load balancer', () => {
    expect(() => dipAvailabilityMetric(webState({ sku: 'Basic' }), armIds.lb())).toThrow(
      `Metric DipAvailability is not supported for Basic load balancer '${armIds.lb()}'.`,
    );
  });
});
