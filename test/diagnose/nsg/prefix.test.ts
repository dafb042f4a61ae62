import { inPrefix, matchPrefix } from '../../../src/diagnose/nsg/prefix';

const tags = { virtualNetworkPrefixes: ['10.0.0.0/16', '10.1.0.0/16'] };

describe('matchPrefix', () => {
  it.each<[string, string, boolean]>([
    ['*', '168.63.129.16', true],
    ['AzureLoadBalancer', '168.63.129.16', true],
    ['AzureLoadBalancer', '10.0.0.4', false],
    ['VirtualNetwork', '10.1.2.3', true],
    ['VirtualNetwork', '10.2.0.1', false],
    ['Internet', '20.1.2.3', true],
    ['Internet', '168.63.129.16', false],
    ['Internet', '10.0.0.4', false],
    ['Internet', '192.168.0.1', false],
    ['10.0.0.0/24', '10.0.0.255', true],
    ['10.0.0.0/24', '10.0.1.0', false],
    ['2001:db8::/32', '2001:db8::1', true],
    ['2001:db8::/32', '168.63.129.16', false],
  ])('%s vs %s -> %s', (prefix, ip, matches) => {
    // Act / Assess
    expect(matchPrefix(prefix, ip, tags).matches).toBe(matches);
  });

  it.each<[string, string]>([
    ['10.0.0/24', 'malformed address prefix "10.0.0/24" never matches'],
    ['10.0.0.0/x', 'malformed address prefix "10.0.0.0/x" never matches'],
    ['not a tag!', 'malformed address prefix "not a tag!" never matches'],
    [
      'VirtualNetwork.WestEurope',
      '"VirtualNetwork.WestEurope" is not a service tag (VirtualNetwork has no regional scope); it never matches',
    ],
  ])('%s is reported', (prefix, warning) => {
    // Act / Assess
    expect(matchPrefix(prefix, '10.0.0.4', tags)).toEqual({ matches: false, warning });
  });

  it('does not match an address that is not one', () => {
    expect(inPrefix('nonsense', '0.0.0.0/0')).toBe(false);
  });
});
