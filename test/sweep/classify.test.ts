import { mapLoadBalancer } from '../../src/azure/map';
import { classifyHealth } from '../../src/sweep/classify';
import { createPacer, mapBounded } from '../../src/sweep/sweep';
import type { BackendHealth, RuleHealth } from '../../src/model/health';

const LB =
  '/subscriptions/1a1a1a1a-0000-4000-8000-000000000001/resourceGroups/rg/providers/Microsoft.Network/loadBalancers/lb';
const lb = (sku: 'Basic' | 'Standard') =>
  mapLoadBalancer({
    id: LB,
    name: 'lb',
    sku: { name: sku },
    probes: [{ id: `${LB}/probes/p`, name: 'p', protocol: 'Tcp', port: 80 }],
    loadBalancingRules: [
      {
        id: `${LB}/loadBalancingRules/r`,
        name: 'r',
        protocol: 'Tcp',
        frontendPort: 80,
        backendPort: 80,
        probe: { id: `${LB}/probes/p` },
      },
    ],
  });
const entry = (ip: string, state: BackendHealth['state'], reason?: string): BackendHealth => ({
  ruleId: `${LB}/loadBalancingRules/r`,
  source: 'rule-health',
  ipConfigurationId: `${LB}/x/${ip}`,
  state,
  ...(reason ? { reason } : {}),
});
const health = (...backends: BackendHealth[]): RuleHealth[] => [
  { ruleId: `${LB}/loadBalancingRules/r`, up: 0, down: 0, backends },
];

describe('classifyHealth', () => {
  it.each([
    [
      'every backend up',
      health(entry('a', 'Up', 'Up_Probe_Success'), entry('b', 'Up', 'Up_Probe_Success')),
      'healthy',
      0,
    ],
    [
      'one probe timeout',
      health(entry('a', 'Up', 'Up_Probe_Success'), entry('b', 'Down', 'Down_Probe_TcpProbeTimeout')),
      'down',
      1,
    ],
    [
      'a stopped VM (no state)',
      health(entry('a', 'Up', 'Up_Probe_Success'), entry('b', 'Unknown')),
      'down',
      1,
    ],
    [
      'admin state Down only',
      health(entry('a', 'Up', 'Up_Probe_Success'), entry('b', 'Down', 'Down_Admin')),
      'expected-down',
      1,
    ],
    [
      'admin Down and a timeout',
      health(entry('a', 'Down', 'Down_Admin'), entry('b', 'Down', 'Down_Probe_TcpProbeTimeout')),
      'down',
      2,
    ],
  ])('%s', (_case, read, state, down) => {
    // Act
    const summary = classifyHealth(lb('Standard'), { health: read, problems: [] });

    // Assess
    expect(summary).toMatchObject({ state, down, backends: 2 });
  });

  it('says why it cannot read a Basic load balancer, whatever was read', () => {
    expect(classifyHealth(lb('Basic'), { health: health(entry('a', 'Up')), problems: [] })).toMatchObject({
      state: 'cannot-read',
      reason: expect.stringMatching(
        /^Basic SKU: Azure offers neither the per-rule health status nor the DipAvailability metric/,
      ),
    });
  });

  it('passes on what failed when no source answered', () => {
    expect(
      classifyHealth(lb('Standard'), { health: [], problems: [{ ruleId: LB, message: 'rule health: 403' }] }),
    ).toEqual({
      state: 'cannot-read',
      reason: 'rule health: 403',
    });
  });
});

describe('pacing and bounded concurrency', () => {
  it('spaces starts 1000/rate ms apart', async () => {
    // Prepare
    let now = 0;
    const waits: number[] = [];
    const pace = createPacer(
      4,
      (ms) => ((waits.push(ms), (now += ms)), Promise.resolve()),
      () => now,
    );

    // Act
    for (let i = 0; i < 4; i++) await pace();

    // Assess
    expect(waits).toEqual([250, 250, 250]);
  });

  it('never runs more than the limit at once and keeps the order', async () => {
    // Prepare
    let running = 0;
    let peak = 0;

    // Act
    const out = await mapBounded([1, 2, 3, 4, 5, 6, 7], 3, async (n) => {
      peak = Math.max(peak, ++running);
      await new Promise((r) => setTimeout(r, 5));
      running--;
      return n * 10;
    });

    // Assess
    expect(out).toEqual([10, 20, 30, 40, 50, 60, 70]);
    expect(peak).toBe(3);
  });
});
