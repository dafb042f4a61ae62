import { matchPrefix } from '../../../src/diagnose/nsg/prefix';
import { tagContext, virtualNetworkTagPrefixes } from '../../../src/diagnose/nsg/virtualNetworkTag';

describe('virtualNetworkTagPrefixes', () => {
  it.each<[string, string[], string[], string[]]>([
    ['an empty VNet still holds the host IPs', [], [], ['168.63.129.16/32', '169.254.169.254/32']],
    [
      'VNet space, host IPs, then UDR prefixes',
      ['10.0.0.0/16', '10.1.0.0/16'],
      ['192.168.0.0/16'],
      ['10.0.0.0/16', '10.1.0.0/16', '168.63.129.16/32', '169.254.169.254/32', '192.168.0.0/16'],
    ],
    [
      'duplicates, blanks and service-tag UDR prefixes are left out',
      ['10.0.0.0/16'],
      ['10.0.0.0/16', ' ', 'AzureCloud', '168.63.129.16/32'],
      ['10.0.0.0/16', '168.63.129.16/32', '169.254.169.254/32'],
    ],
  ])('%s', (_name, space, udrs, expected) => {
    // Act
    const prefixes = virtualNetworkTagPrefixes(space, udrs);
    // Assess
    expect(prefixes).toEqual(expected);
  });

  it.each<[string, string[], string, boolean, boolean]>([
    ['the probe source', [], '168.63.129.16', true, false],
    ['the metadata service', [], '169.254.169.254', true, false],
    ['a public address without UDRs', [], '20.1.2.3', false, true],
    ['a public address under a 0.0.0.0/0 UDR', ['0.0.0.0/0'], '20.1.2.3', true, false],
  ])('VirtualNetwork and Internet for %s', (_name, udrs, ip, inVnet, inInternet) => {
    // Prepare
    const tags = tagContext(['10.0.0.0/16'], udrs);
    // Act
    const vnet = matchPrefix('VirtualNetwork', ip, tags).matches;
    const internet = matchPrefix('Internet', ip, tags).matches;
    // Assess
    expect([vnet, internet]).toEqual([inVnet, inInternet]);
  });
});
