/**
 * The probe model re-derives, after a change scoped to one NSG or one VM's guest (state.ts
 * `recordChange`), only the backends that depend on it, and gives the same answers as deriving the
 * whole state afresh: the first test counts per-backend derivations, the second compares every answer
 * after a sequence of real writes with a fresh derivation of a copy of the same state (an oracle, so a
 * dependency the model forgets goes red).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildGuestFirewallAllowScript } from '../../src/remediate/guestFirewall';
import * as dataPlane from '../../src/sandbox/derive/dataPlane';
import { lbRules, requireLoadBalancer } from '../../src/sandbox/derive/lb';
import { probeStatuses, ruleProbeStatuses } from '../../src/sandbox/derive/probeModel';
import { ruleHealth } from '../../src/sandbox/derive/ruleHealth';
import { parseScenario, type GuestState } from '../../src/sandbox/scenario';
import { defaultViews } from '../../src/sandbox/defaultViews';
import { ProbeTimeline } from '../../src/sandbox/probeTime';
import { completeRuleWrite, deleteSecurityRule, putSecurityRule } from '../../src/sandbox/securityRules';
import { IN_PROCESS_DEFAULT, resolveTimeModel } from '../../src/sandbox/timeModel';
import type { SandboxViews } from '../../src/sandbox/views';
import { changedSince, recordChange, scopeKey, type SandboxState } from '../../src/sandbox/state';
import { armIds, lb, nic, nsg, sandboxState, vm, vnet } from '../helpers/armBuilder';
import { startTestSandbox, type TestSandbox } from '../helpers/sandboxClients';

const allowProbe = {
  properties: {
    protocol: 'Tcp',
    access: 'Allow',
    direction: 'Inbound',
    priority: 200,
    sourceAddressPrefix: 'AzureLoadBalancer',
    sourcePortRange: '*',
    destinationAddressPrefix: '*',
    destinationPortRange: '80',
  },
};

describe('scoped re-derivation of the probe model', () => {
  /** Six backends: nic0 and nic1 behind NIC NSG nsg-two, the other four behind nsg-four. */
  function sixBackends(): SandboxState {
    const names = [0, 1, 2, 3, 4, 5].map((i) => `vm${i}`);
    return sandboxState(
      [
        lb({
          probes: [{ name: 'p', port: 80 }],
          rules: [{ name: 'web', probe: 'p', pool: 'pool' }],
          pools: [{ name: 'pool' }],
        }),
        vnet([{ prefix: '10.0.0.0/24' }]),
        nsg('nsg-two'),
        nsg('nsg-four'),
        ...names.map((name, i) =>
          nic(`nic${i}`, {
            ip: `10.0.0.${i + 4}`,
            vm: name,
            nsg: i < 2 ? 'nsg-two' : 'nsg-four',
            pools: ['pool'],
          }),
        ),
        ...names.map((name, i) => vm(name, [armIds.nic(`nic${i}`)])),
      ],
      Object.fromEntries(
        names.map((name) => [
          armIds.vm(name),
          { os: 'linux', listening: [{ address: '0.0.0.0', port: 80 }] },
        ]),
      ),
    );
  }

  const web = (state: SandboxState) =>
    ruleProbeStatuses(
      state,
      lbRules(requireLoadBalancer(state, armIds.lb())).find((r) => r.name === 'web')!,
    );

  afterEach(() => jest.restoreAllMocks());

  it('changedSince names what scoped changes touched, and nothing once any change was unscoped', () => {
    // Prepare
    const state = sixBackends();
    // Act
    recordChange(state, { nsgId: armIds.nsg('NSG-TWO') });
    recordChange(state, { guestOf: armIds.vm('vm3') });
    const scoped = changedSince(state, 0);
    const current = changedSince(state, state.version);
    state.version += 1; // a bump that skipped recordChange
    const skipped = changedSince(state, 0);
    recordChange(state);
    // Assess
    expect(scoped && [...scoped]).toEqual([
      scopeKey({ nsgId: armIds.nsg('nsg-two') }),
      scopeKey({ guestOf: armIds.vm('vm3') }),
    ]);
    expect([current?.size, skipped, changedSince(state, 3)]).toEqual([0, undefined, undefined]);
  });

  it('a security rule PUT on the NSG of 2 of 6 backends re-derives those 2; an unscoped change all 6', () => {
    // Prepare: derived once, then each backend's filters are counted (one read per derived backend)
    const state = sixBackends();
    const before = web(state);
    const derivations = jest.spyOn(dataPlane, 'filtersAt');
    // Act
    putSecurityRule(state, armIds.nsg('nsg-two'), 'allow-probe', allowProbe);
    const afterPut = web(state);
    const byPut = derivations.mock.calls.length;
    completeRuleWrite(state, armIds.nsg('nsg-two'), 'allow-probe');
    web(state);
    const byCompletion = derivations.mock.calls.length - byPut;
    recordChange(state);
    web(state);
    const byUnscoped = derivations.mock.calls.length - byPut - byCompletion;
    // Assess: the other four backends keep their very status objects
    expect([byPut, byCompletion, byUnscoped]).toEqual([2, 2, 6]);
    expect(afterPut.slice(2)).toEqual(before.slice(2));
    expect(afterPut.slice(2).every((s, i) => s === before[i + 2])).toBe(true);
  });

  it('the probe timeline, which skips unchanged backends, reports what one reading every backend does', () => {
    // Prepare: the live timeline over the real views, and a reference over views that hand out
    // unfrozen copies (so it compares every backend every time), on one manual clock
    const state = sixBackends();
    let now = 1_000_000;
    const clock = { now: () => now };
    const time = resolveTimeModel(undefined, undefined, IN_PROCESS_DEFAULT);
    const copying: SandboxViews = {
      ...defaultViews,
      ruleHealth: (s, lbId, rule) => structuredClone(defaultViews.ruleHealth(s, lbId, rule)),
    };
    const live = new ProbeTimeline(defaultViews, clock, time);
    const reference = new ProbeTimeline(copying, clock, time);
    const reports: unknown[] = [];
    const step = (change: () => void, advanceMs: number) => {
      change();
      live.observe(state);
      reference.observe(state);
      now += advanceMs;
      const answer = live.timedRuleHealth(state, armIds.lb(), 'web');
      expect(answer).toEqual(reference.timedRuleHealth(state, armIds.lb(), 'web'));
      reports.push(answer);
    };
    const deny = { properties: { ...allowProbe.properties, access: 'Deny', priority: 150 } };
    // Act: a deny on two backends, a deny on the other four, their completions, the first one's DELETE
    step(() => undefined, 0);
    step(() => putSecurityRule(state, armIds.nsg('nsg-two'), 'deny', deny), 2_000);
    step(() => putSecurityRule(state, armIds.nsg('nsg-four'), 'deny', deny), 4_000);
    step(() => completeRuleWrite(state, armIds.nsg('nsg-two'), 'deny'), 5_000);
    step(() => completeRuleWrite(state, armIds.nsg('nsg-four'), 'deny'), 1_000);
    step(() => deleteSecurityRule(state, armIds.nsg('nsg-two'), 'deny'), 6_000);
    step(() => undefined, 30_000);
    // Assess: the reports moved (Up, approaching, Down, and back for two)
    const states = reports.map((r) =>
      (r as { loadBalancerBackendAddresses: { state?: string }[] }).loadBalancerBackendAddresses
        .map((a) => a.state?.[0] ?? '-')
        .join(''),
    );
    expect(new Set(states).size).toBeGreaterThan(2);
    expect([states[0], states.at(-1)]).toEqual(['UUUUUU', 'UUDDDD']);
  });

  it('a rule whose changes are all probed to their end is answered with the derived body itself', () => {
    // Prepare: a settled scenario, then a deny on two backends, on a manual clock
    const state = sixBackends();
    let now = 1_000_000;
    const time = resolveTimeModel(undefined, undefined, IN_PROCESS_DEFAULT);
    const timeline = new ProbeTimeline(defaultViews, { now: () => now }, time);
    timeline.observe(state);
    const derived = () => defaultViews.ruleHealth(state, armIds.lb(), 'web');
    const answer = () => timeline.timedRuleHealth(state, armIds.lb(), 'web');
    const settledBody = derived();
    const settledAnswer = answer();
    putSecurityRule(state, armIds.nsg('nsg-two'), 'deny', {
      properties: { ...allowProbe.properties, access: 'Deny', priority: 150 },
    });
    completeRuleWrite(state, armIds.nsg('nsg-two'), 'deny');
    timeline.observe(state);
    // Act: one answer while the change is probed, one after interval x threshold
    now += 1;
    const whileProbed = answer();
    now += 10 * 60_000;
    const afterwards = answer();
    // Assess: settled answers are the derived (frozen) body, not a copy; in between the probes
    // still report the old state, so the answer is not the derived body
    expect(settledAnswer).toBe(settledBody);
    expect(whileProbed).not.toBe(derived());
    expect(whileProbed).not.toEqual(derived());
    expect(afterwards).toBe(derived());
  });

  describe('after real writes, the answers equal a fresh derivation of the same state', () => {
    const RG = 'rg-web-prod';
    const FAST = { updateIntervalInMs: 1 };
    const LB = `/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/${RG}/providers/Microsoft.Network/loadBalancers/lb-web-prod`;
    let t: TestSandbox;

    /** vmss-backend.json with instance 3 deallocated (to be started) and probe-doctor's NSG rule absent. */
    function scenario() {
      const file = join(__dirname, '../../scenarios/vmss-backend.json');
      const parsed = parseScenario(JSON.parse(readFileSync(file, 'utf8')), file);
      const instance3 = Object.keys(parsed.guests).find((id) => id.endsWith('/virtualMachines/3'))!;
      (parsed.guests[instance3] as GuestState).powerState = 'deallocated';
      return parsed;
    }

    /** A copy of the state that nothing has been derived from: the probe model reads it from scratch. */
    function fresh(state: SandboxState): SandboxState {
      return {
        scenario: state.scenario,
        resources: structuredClone(state.resources),
        guests: structuredClone(state.guests),
        version: state.version,
      };
    }

    /** What the live sandbox answers (derived step by step, as its requests went) and the oracle's. */
    function answers(state: SandboxState) {
      return {
        statuses: probeStatuses(state, LB).map((s) => ({ ...s })),
        health: ruleHealth(state, LB, 'rule-http'),
      };
    }

    beforeEach(async () => {
      t = await startTestSandbox(scenario());
    });
    afterEach(async () => {
      await t.stop();
    });

    it('PUT deny, its completion, DELETE, PUT allow, VM start, guest firewall allow, scale-out', async () => {
      const state = t.sandbox.state;
      const seen: string[] = [];
      const check = (step: string) => {
        const live = answers(state);
        expect({ step, ...live }).toEqual({ step, ...answers(fresh(state)) });
        seen.push(`${step}: ${live.statuses.map((s) => `${s.probed ? s.state : '-'}`).join(' ')}`);
      };
      check('start');
      // A Deny of the probe on the scale set's NIC NSG, completed by the client's polls.
      await t.network.securityRules.beginCreateOrUpdateAndWait(
        RG,
        'nsg-vmss-web',
        'deny-probe',
        { ...allowProbe.properties, access: 'Deny', priority: 150 },
        FAST,
      );
      check('deny');
      await t.network.securityRules.beginDeleteAndWait(RG, 'nsg-vmss-web', 'deny-probe', FAST);
      check('delete');
      await t.network.securityRules.beginCreateOrUpdateAndWait(
        RG,
        'nsg-snet-web',
        'allow-probe',
        allowProbe.properties,
        FAST,
      );
      check('allow');
      await t.compute.virtualMachineScaleSetVMs.beginStartAndWait(RG, 'vmss-web', '3', FAST);
      check('vm start');
      const allow = buildGuestFirewallAllowScript('linux', 80, 'ufw');
      await t.compute.virtualMachineScaleSetVMs.beginRunCommandAndWait(RG, 'vmss-web', '1', allow, FAST);
      check('firewall allow');
      await t.compute.virtualMachineScaleSets.beginUpdateAndWait(
        RG,
        'vmss-web',
        { sku: { capacity: 5 } },
        FAST,
      );
      check('scale-out');
      // The sequence did change the answers (the oracle compares answers that moved).
      expect(seen).toEqual([
        'start: Up Down -',
        'deny: Down Down -',
        'delete: Up Down -',
        'allow: Up Down -',
        'vm start: Up Down Up',
        'firewall allow: Up Up Up',
        'scale-out: Up Up Up Down Down',
      ]);
    });
  });
});
