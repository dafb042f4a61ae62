/**
 * The caller's role (a scenario's `permissions`, src/sandbox/permissions.ts): Azure RBAC's control
 * plane rules as "Understand Azure role definitions" states them (actions minus notActions per
 * block, `*` wildcards, names compared without case), checked alone and through the REAL SDK clients
 * over HTTPS, where a refused operation is ARM's 403 AuthorizationFailed naming the action and scope.
 */
import { request } from 'node:https';
import { actionCheckOf } from '../../src/sandbox/permissions';
import { parseScenario } from '../../src/sandbox/scenario';
import { startTestSandbox } from '../helpers/sandboxClients';
import { ids, miniScenario, RG } from './miniScenario';
import { restError } from '../helpers/restError';

const FAST = { updateIntervalInMs: 1 };
/** The built-in Reader's permissions, as its role definition lists them. */
const READER = [{ actions: ['*/read'], notActions: [] }];

const refusal = (action: string, scope: string) =>
  `The client 'sandbox' with object id '00000000-0000-0000-0000-000000000000' does not have authorization to perform action '${action}' over scope '${scope}' or the scope is invalid. If access was recently granted, please refresh your credentials.`;

describe('actionCheckOf: what a role allows', () => {
  it.each<[string, Parameters<typeof actionCheckOf>[0], string, boolean]>([
    [
      'no permissions: everything',
      undefined,
      'Microsoft.Network/networkSecurityGroups/securityRules/write',
      true,
    ],
    ['Reader reads', READER, 'Microsoft.Network/loadBalancers/read', true],
    ['Reader reads nested types', READER, 'Microsoft.Network/loadBalancers/loadBalancingRules/read', true],
    ['Reader runs no action', READER, 'Microsoft.Compute/virtualMachines/runCommand/action', false],
    ['Reader writes nothing', READER, 'Microsoft.Network/networkSecurityGroups/securityRules/write', false],
    ['case does not matter', READER, 'microsoft.network/LOADBALANCERS/READ', true],
    [
      'a provider wildcard',
      [{ actions: ['Microsoft.Network/*'], notActions: [] }],
      'Microsoft.Network/networkInterfaces/effectiveRouteTable/action',
      true,
    ],
    [
      'the wildcard is no prefix of another provider',
      [{ actions: ['Microsoft.Network/*'], notActions: [] }],
      'Microsoft.NetworkFunction/azureTrafficCollectors/read',
      false,
    ],
    [
      'notActions take an action out of its own block',
      [{ actions: ['*'], notActions: ['Microsoft.Network/loadBalancers/loadBalancingRules/read'] }],
      'Microsoft.Network/loadBalancers/loadBalancingRules/read',
      false,
    ],
    [
      'another block (a second role assignment) gives it back',
      [
        { actions: ['*'], notActions: ['Microsoft.Compute/*/action'] },
        { actions: ['Microsoft.Compute/virtualMachines/runCommand/action'], notActions: [] },
      ],
      'Microsoft.Compute/virtualMachines/runCommand/action',
      true,
    ],
    [
      'a dot in an action is a dot, not any character',
      [{ actions: ['Microsoft.Network/loadBalancers/read'], notActions: [] }],
      'MicrosoftXNetwork/loadBalancers/read',
      false,
    ],
  ])('%s', (_, permissions, operation, allowed) => {
    // Act
    const answer = actionCheckOf(permissions).allows(operation);

    // Assess
    expect(answer).toBe(allowed);
  });

  it('takes a block pasted from a role definition, data plane fields and all', () => {
    // Prepare
    const doc = JSON.parse(JSON.stringify(miniScenario())) as Record<string, unknown>;
    doc.permissions = [{ actions: ['*/read'], notActions: [], dataActions: [], notDataActions: [] }];

    // Act
    const scenario = parseScenario(doc, 'doc');

    // Assess
    expect(actionCheckOf(scenario.permissions).allows('Microsoft.Network/loadBalancers/read')).toBe(true);
  });

  it('refuses a permissions block with a field Azure role definitions do not have', () => {
    // Prepare
    const doc = JSON.parse(JSON.stringify(miniScenario())) as Record<string, unknown>;
    doc.permissions = [{ actions: ['*/read'], allowed: ['*'] }];

    // Act
    const parse = () => parseScenario(doc, 'doc');

    // Assess
    expect(parse).toThrow(/permissions/);
  });
});

describe('a scenario with permissions, through the SDK', () => {
  it('lets Reader read and answers its health action with 403 AuthorizationFailed naming action and scope', async () => {
    // Prepare
    const t = await startTestSandbox(miniScenario((doc) => (doc.permissions = READER)));
    try {
      // Act
      const lb = await t.network.loadBalancers.get(RG, 'lb-web');
      const err = await restError(
        t.network.loadBalancerLoadBalancingRules.beginHealthAndWait(RG, 'lb-web', 'rule-http', FAST),
      );

      // Assess
      expect(lb.id).toBe(ids.lb);
      expect([err.statusCode, err.code]).toEqual([403, 'AuthorizationFailed']);
      expect(err.message).toBe(
        refusal(
          'Microsoft.Network/loadBalancers/loadBalancingRules/health/action',
          `${ids.lb}/loadBalancingRules/rule-http`,
        ),
      );
    } finally {
      await t.stop();
    }
  });

  it('denies the rules list alone with notActions, the load balancer and the health action still allowed', async () => {
    // Prepare
    const t = await startTestSandbox(
      miniScenario(
        (doc) =>
          (doc.permissions = [
            { actions: ['*'], notActions: ['Microsoft.Network/loadBalancers/loadBalancingRules/read'] },
          ]),
      ),
    );
    try {
      // Act
      const err = await restError(
        (async () => {
          for await (const rule of t.network.loadBalancerLoadBalancingRules.list(RG, 'lb-web')) void rule;
        })(),
      );
      const lb = await t.network.loadBalancers.get(RG, 'lb-web');
      const health = await t.network.loadBalancerLoadBalancingRules.beginHealthAndWait(
        RG,
        'lb-web',
        'rule-http',
        FAST,
      );

      // Assess
      expect([err.statusCode, err.code]).toEqual([403, 'AuthorizationFailed']);
      expect(err.message).toContain("'Microsoft.Network/loadBalancers/loadBalancingRules/read'");
      expect(lb.loadBalancingRules?.map((r) => r.name)).toEqual(['rule-http']);
      expect(health.loadBalancerBackendAddresses?.length).toBeGreaterThan(0);
    } finally {
      await t.stop();
    }
  });

  it("checks an operation's status read too: a role without it cannot follow the health it started", async () => {
    // Prepare: every load balancer operation, nothing on the provider's locations.
    const t = await startTestSandbox(
      miniScenario((doc) => (doc.permissions = [{ actions: ['Microsoft.Network/loadBalancers/*'] }])),
    );
    try {
      // Act
      const err = await restError(
        t.network.loadBalancerLoadBalancingRules.beginHealthAndWait(RG, 'lb-web', 'rule-http', FAST),
      );

      // Assess
      expect([err.statusCode, err.code]).toEqual([403, 'AuthorizationFailed']);
      expect(err.message).toMatch(/perform action 'Microsoft\.Network\/locations\/operationResults\/read'/);
    } finally {
      await t.stop();
    }
  });
});

describe('a rule naming an application security group: the linked join action, through the SDK', () => {
  const JOIN = 'Microsoft.Network/applicationSecurityGroups/joinNetworkSecurityRule/action';
  /** Network Contributor's reach without the join action: what a custom role that lists NSG writes only has. */
  const WITHOUT_JOIN = [{ actions: ['Microsoft.Network/*'], notActions: [JOIN] }];
  const allowProbe = (destination: { asg?: string; prefix?: string }, priority = 3000) => ({
    protocol: 'Tcp' as const,
    access: 'Allow' as const,
    direction: 'Inbound' as const,
    priority,
    sourceAddressPrefix: 'AzureLoadBalancer',
    sourcePortRange: '*',
    destinationPortRange: '80',
    ...(destination.asg
      ? { destinationApplicationSecurityGroups: [{ id: destination.asg }] }
      : { destinationAddressPrefix: destination.prefix }),
  });

  /** The probe allow `allow-probe` aimed at the group asg-web, written through the SDK. */
  const putAllowToGroup = (t: Awaited<ReturnType<typeof startTestSandbox>>) =>
    t.network.securityRules.beginCreateOrUpdateAndWait(
      RG,
      'nsg-web',
      'allow-probe',
      allowProbe({ asg: ids.asg }),
      FAST,
    );

  it('refuses the rule with 403 LinkedAuthorizationFailed naming both actions and the group, and stores nothing', async () => {
    // Prepare
    const t = await startTestSandbox(miniScenario((doc) => (doc.permissions = WITHOUT_JOIN)));
    try {
      // Act
      const err = await restError(putAllowToGroup(t));
      const stored = await restError(t.network.securityRules.get(RG, 'nsg-web', 'allow-probe'));

      // Assess
      expect([err.statusCode, err.code]).toEqual([403, 'LinkedAuthorizationFailed']);
      expect(err.message).toBe(
        `The client 'sandbox' with object id '00000000-0000-0000-0000-000000000000' has permission to perform action 'Microsoft.Network/networkSecurityGroups/securityRules/write' on scope '${ids.nsg}/securityRules/allow-probe'; however, it does not have permission to perform action '${JOIN}' on the linked scope(s) '${ids.asg}' or the linked scope(s) are invalid.`,
      );
      expect(stored.statusCode).toBe(404);
    } finally {
      await t.stop();
    }
  });

  it('checks source groups too, each group once whatever its case, and a group in a scope the caller cannot reach', async () => {
    // Prepare: the second sandbox's caller has every action, but not the group's scope.
    const t = await startTestSandbox(miniScenario((doc) => (doc.permissions = WITHOUT_JOIN)));
    const beyond = await startTestSandbox(miniScenario((doc) => (doc.forbidden = [ids.asg])));
    const fromGroup = {
      ...allowProbe({ prefix: '10.0.1.4' }),
      sourceAddressPrefix: undefined,
      sourceApplicationSecurityGroups: [{ id: ids.asg }, { id: ids.asg.toUpperCase() }],
    };
    try {
      // Act
      const bySource = await restError(
        t.network.securityRules.beginCreateOrUpdateAndWait(RG, 'nsg-web', 'from-group', fromGroup, FAST),
      );
      const outOfReach = await restError(putAllowToGroup(beyond));

      // Assess
      expect([bySource.code, outOfReach.code]).toEqual([
        'LinkedAuthorizationFailed',
        'LinkedAuthorizationFailed',
      ]);
      expect(bySource.message).toContain(`on the linked scope(s) '${ids.asg}' or`);
      expect(outOfReach.message).toContain(`perform action '${JOIN}' on the linked scope(s) '${ids.asg}'`);
    } finally {
      await t.stop();
      await beyond.stop();
    }
  });

  it('checks a rule written through a path in lower case, as RBAC compares action names without case', async () => {
    // Prepare
    const t = await startTestSandbox(miniScenario((doc) => (doc.permissions = WITHOUT_JOIN)));
    const path = `${ids.nsg}/securityRules/lower?api-version=2024-05-01`.replace(
      '/providers/Microsoft.Network/networkSecurityGroups/',
      '/providers/microsoft.network/networksecuritygroups/',
    );
    try {
      // Act
      const answer = await new Promise<{ status: number; code?: string }>((resolve, reject) => {
        const req = request(
          `${t.sandbox.endpoint}${path.replace('/securityRules/', '/securityrules/')}`,
          {
            method: 'PUT',
            ca: t.sandbox.ca,
            headers: { Authorization: 'Bearer sandbox', 'Content-Type': 'application/json' },
          },
          (res) => {
            let text = '';
            res.on('data', (c: Buffer) => (text += c.toString('utf8')));
            res.on('end', () =>
              resolve({
                status: res.statusCode ?? 0,
                code: (JSON.parse(text || '{}') as { error?: { code?: string } }).error?.code,
              }),
            );
          },
        );
        req.on('error', reject);
        req.end(JSON.stringify({ properties: allowProbe({ asg: ids.asg }) }));
      });

      // Assess
      expect(answer).toEqual({ status: 403, code: 'LinkedAuthorizationFailed' });
    } finally {
      await t.stop();
    }
  });

  it('writes a rule naming addresses with the same role, and the group rule once the role has the join action', async () => {
    // Prepare
    const withJoin = [...WITHOUT_JOIN, { actions: [JOIN], notActions: [] }];
    const t = await startTestSandbox(miniScenario((doc) => (doc.permissions = withJoin)));
    try {
      // Act
      const byAddress = await t.network.securityRules.beginCreateOrUpdateAndWait(
        RG,
        'nsg-web',
        'allow-probe-address',
        allowProbe({ prefix: '10.0.1.4' }),
        FAST,
      );
      const byGroup = await t.network.securityRules.beginCreateOrUpdateAndWait(
        RG,
        'nsg-web',
        'allow-probe-group',
        allowProbe({ asg: ids.asg }, 3001),
        FAST,
      );

      // Assess: the log says what ARM checked on the linked scope, for the role's derivation.
      expect(byAddress.destinationAddressPrefix).toBe('10.0.1.4');
      expect(byGroup.destinationApplicationSecurityGroups?.map((g) => g.id)).toEqual([ids.asg]);
      const puts = t.sandbox.requestLog.filter((r) => r.method === 'PUT');
      expect(puts.map((r) => [r.path.split('/').pop(), r.status, r.linkedOperations])).toEqual([
        ['allow-probe-address', 201, undefined],
        ['allow-probe-group', 201, [JOIN]],
      ]);
    } finally {
      await t.stop();
    }
  });
});
