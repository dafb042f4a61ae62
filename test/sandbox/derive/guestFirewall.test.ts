import { guestAccepts, windowsFirewall } from '../../../src/sandbox/derive/guest';
import { guestSchema, type GuestState } from '../../../src/sandbox/scenario';

const guest = (over: Record<string, unknown>): GuestState =>
  guestSchema.parse({ listening: [{ protocol: 'tcp', address: '0.0.0.0', port: 80 }], ...over });
const probe = (g: GuestState) => guestAccepts(g, 0, '10.0.0.4', '168.63.129.16', 80).outcome;

describe('guest firewall semantics per OS', () => {
  it.each<[string, Record<string, unknown>, string]>([
    [
      'Linux: first match wins (allow 80, then deny all)',
      {
        os: 'linux',
        firewall: [
          { action: 'allow', port: 80 },
          { action: 'deny', protocol: 'any' },
        ],
      },
      'accept',
    ],
    [
      'Windows: a Block rule overrides an Allow rule',
      {
        os: 'windows',
        defaultInboundAction: 'Allow',
        firewall: [
          { action: 'allow', port: 80 },
          { action: 'deny', port: 80 },
        ],
      },
      'drop',
    ],
    [
      'Windows: a trailing catch-all deny is the profile default Block, not a Block rule',
      {
        os: 'windows',
        firewall: [
          { action: 'allow', port: 80 },
          { action: 'deny', protocol: 'any' },
        ],
      },
      'accept',
    ],
    [
      'Windows: no rule allows the port and the default is Block',
      { os: 'windows', defaultInboundAction: 'Block', firewall: [{ action: 'allow', port: 443 }] },
      'drop',
    ],
    ['Windows: default Allow with no rule', { os: 'windows', firewall: [] }, 'accept'],
    [
      'firewalld: a deny rich rule wins over an allow listed before it',
      {
        os: 'linux',
        firewallTool: 'firewalld',
        firewall: [
          { action: 'allow', port: 80, source: '168.63.129.16/32' },
          { action: 'deny', port: 80, source: '168.63.129.16/32' },
        ],
      },
      'drop',
    ],
    [
      'firewalld: an iptables DROP beside it is final',
      {
        os: 'linux',
        firewallTool: 'firewalld',
        firewall: [{ action: 'allow', port: 80 }],
        iptablesRules: [{ action: 'deny', port: 80, source: '168.63.129.16' }],
      },
      'drop',
    ],
    [
      'firewalld: an iptables ACCEPT beside it still meets firewalld',
      {
        os: 'linux',
        firewallTool: 'firewalld',
        firewall: [{ action: 'reject', port: 80, source: '168.63.129.16/32' }],
        iptablesRules: [{ action: 'allow', port: 80, source: '168.63.129.16' }],
      },
      'reset',
    ],
    [
      'firewalld: an iptables ACCEPT and nothing in firewalld against it',
      {
        os: 'linux',
        firewallTool: 'firewalld',
        firewall: [],
        iptablesRules: [
          { action: 'allow', port: 80, source: '168.63.129.16' },
          { action: 'deny', port: 80 },
        ],
      },
      'accept',
    ],
  ])('%s', (_name, over, outcome) => {
    expect(probe(guest(over))).toBe(outcome);
  });

  it('carries the profile default inbound action', () => {
    expect(
      windowsFirewall(guest({ os: 'windows', firewall: [{ action: 'deny', protocol: 'any' }] })),
    ).toEqual({
      rules: [],
      defaultInboundAction: 'Block',
    });
  });
});

describe('iptablesRules', () => {
  it('are only for a firewalld guest: one error naming the field', () => {
    // Act
    const parsed = guestSchema.safeParse({
      os: 'linux',
      firewallTool: 'iptables',
      iptablesRules: [{ action: 'deny', port: 80 }],
    });
    // Assess
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues.map((i) => [i.path.join('.'), i.message])).toEqual([
      [
        'iptablesRules',
        "is for rules beside firewalld: set firewallTool to 'firewalld' (the other tools' rules are 'firewall')",
      ],
    ]);
  });
});
