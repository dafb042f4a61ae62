import type { SandboxHttpError } from '../../src/sandbox/httpError';
import {
  checkPreconditions,
  completeRuleWrite,
  deleteSecurityRule,
  putSecurityRule,
} from '../../src/sandbox/securityRules';
import { createSandboxState, findResource } from '../../src/sandbox/state';
import { seedEtags } from '../../src/sandbox/etags';
import { ids, miniScenario } from './miniScenario';

const body = (priority: number, direction = 'Inbound') => ({
  properties: {
    protocol: 'Tcp',
    access: 'Allow',
    direction,
    priority,
    sourceAddressPrefix: 'AzureLoadBalancer',
    // ARM refuses a side with no prefix, prefix list or ASG (SecurityRuleParametersMissing).
    destinationAddressPrefix: '*',
    destinationPortRange: '80',
  },
});

function thrown(fn: () => unknown): SandboxHttpError {
  try {
    fn();
  } catch (err) {
    return err as SandboxHttpError;
  }
  throw new Error('expected a throw');
}

function freshState() {
  const state = createSandboxState(miniScenario());
  seedEtags(state);
  return state;
}

describe('putSecurityRule', () => {
  it('adds the rule Updating, new etags on rule and NSG, and bumps the version', () => {
    // Prepare
    const state = freshState();
    const nsgEtag = findResource(state, ids.nsg)?.etag;
    // Act
    const { created, rule } = putSecurityRule(state, ids.nsg, 'allow-lb', body(3990));
    // Assess
    expect(created).toBe(true);
    expect(rule).toMatchObject({
      name: 'allow-lb',
      id: `${ids.nsg}/securityRules/allow-lb`,
      properties: { provisioningState: 'Updating', priority: 3990 },
    });
    expect(findResource(state, `${ids.nsg}/securityRules/allow-lb`)).toBe(rule);
    expect(findResource(state, ids.nsg)?.etag).not.toBe(nsgEtag);
    expect(state.version).toBe(1);
  });

  it('replaces a rule of the same name (any case) and completes it', () => {
    // Prepare
    const state = freshState();
    // Act
    const { created } = putSecurityRule(state, ids.nsg, 'DENY-ALL-IN', {
      properties: { ...body(4000).properties, access: 'Deny' },
    });
    completeRuleWrite(state, ids.nsg, 'DENY-ALL-IN');
    // Assess
    expect(created).toBe(false);
    const rules = (
      findResource(state, ids.nsg)?.properties as {
        securityRules: { name: string; properties: { provisioningState: string } }[];
      }
    ).securityRules;
    expect(rules.map((r) => [r.name, r.properties.provisioningState])).toEqual([
      ['DENY-ALL-IN', 'Succeeded'],
    ]);
  });

  it.each([
    [100, 'Outbound', undefined],
    [4096, 'Inbound', undefined],
    [4000, 'Outbound', undefined],
    [99, 'Inbound', 'SecurityRuleInvalidPriority'],
    [4097, 'Inbound', 'SecurityRuleInvalidPriority'],
    [4000, 'Inbound', 'SecurityRuleConflict'],
  ])('priority %d %s -> %s', (priority, direction, code) => {
    // Prepare
    const state = freshState();
    // Act
    const err = code
      ? thrown(() => putSecurityRule(state, ids.nsg, 'new', body(priority, direction)))
      : undefined;
    if (!code) putSecurityRule(state, ids.nsg, 'new', body(priority, direction));
    // Assess
    expect(err?.code).toBe(code);
    expect(state.version).toBe(code ? 0 : 1);
  });

  it.each([
    [
      'no properties',
      {},
      'Cannot parse the request. $.properties: Invalid input: expected object, received undefined',
    ],
    [
      'a bad access',
      { properties: { ...body(200).properties, access: 'Maybe' } },
      'Cannot parse the request. $.properties.access: Invalid option: expected one of "Allow"|"Deny"',
    ],
  ])('refuses %s with 400 InvalidRequestFormat', (_what, input, message) => {
    // Act
    const err = thrown(() => putSecurityRule(freshState(), ids.nsg, 'x', input));
    // Assess
    expect([err.status, err.code, err.message]).toEqual([400, 'InvalidRequestFormat', message]);
  });

  it('answers 404 for a missing NSG', () => {
    // Act
    const err = thrown(() => putSecurityRule(freshState(), `${ids.nsg}-nope`, 'x', body(200)));
    // Assess
    expect([err.status, err.code]).toEqual([404, 'ResourceNotFound']);
  });
});

describe('checkPreconditions', () => {
  it.each([
    ['If-Match equal', 'W/"a"', { ifMatch: 'W/"a"' }, undefined],
    ['If-Match *', 'W/"a"', { ifMatch: '*' }, undefined],
    [
      'If-Match other',
      'W/"a"',
      { ifMatch: 'W/"b"' },
      'Precondition failed for resource r: If-Match W/"b" does not match the current ETag W/"a".',
    ],
    [
      'If-Match on a missing rule',
      undefined,
      { ifMatch: '*' },
      'Precondition failed for resource r: If-Match * does not match the current ETag (none: resource does not exist).',
    ],
    ['If-None-Match * on a missing rule', undefined, { ifNoneMatch: '*' }, undefined],
    [
      'If-None-Match * on an existing rule',
      'W/"a"',
      { ifNoneMatch: '*' },
      'Precondition failed for resource r: If-None-Match * matches the existing resource (ETag W/"a").',
    ],
  ])('%s', (_name, etag, conditions, message) => {
    // Act
    const err = message ? thrown(() => checkPreconditions('r', etag, conditions)) : undefined;
    if (!message) checkPreconditions('r', etag, conditions);
    // Assess
    expect(err?.message).toBe(message);
    if (err) expect([err.status, err.code]).toEqual([412, 'PreconditionFailedEtagMismatch']);
  });
});

describe('deleteSecurityRule', () => {
  it('removes a rule and reports false for a missing one', () => {
    // Prepare
    const state = freshState();
    // Act
    const [first, second] = [
      deleteSecurityRule(state, ids.nsg, 'deny-all-in'),
      deleteSecurityRule(state, ids.nsg, 'deny-all-in'),
    ];
    // Assess
    expect([first, second]).toEqual([true, false]);
    expect(findResource(state, `${ids.nsg}/securityRules/deny-all-in`)).toBeUndefined();
    expect(state.version).toBe(1);
  });
});
