import { parseRouteGet } from '../../src/guest/parse/routes';
import { replyRoute } from '../../src/diagnose/replyPath';
import type { GuestRoute } from '../../src/model/evidence';
import { fixture } from '../guest/parse/fixtures';

const mainEth0: GuestRoute = { destination: '168.63.129.16', gateway: '10.0.0.1', device: 'eth0' };
const fromNicEth1: GuestRoute = { ...mainEth0, gateway: '10.0.1.1', device: 'eth1', from: '10.0.1.5' };
const fromOtherEth0: GuestRoute = { ...mainEth0, from: '10.0.0.4' };

describe('replyRoute', () => {
  it.each<[string, GuestRoute[], string | undefined, GuestRoute | undefined]>([
    [
      'the from lookup for the NIC wins over the main table',
      [mainEth0, fromNicEth1],
      '10.0.1.5',
      fromNicEth1,
    ],
    ['listed order does not matter', [fromNicEth1, mainEth0], '10.0.1.5', fromNicEth1],
    ['a from lookup for another address is ignored', [mainEth0, fromOtherEth0], '10.0.1.5', mainEth0],
    ['no from lookup at all: the plain route', [mainEth0], '10.0.1.5', mainEth0],
    ['no NIC address known: the plain route', [mainEth0, fromNicEth1], undefined, mainEth0],
    ['only a from lookup for another address: none', [fromOtherEth0], '10.0.1.5', undefined],
    ['nothing', [], '10.0.1.5', undefined],
  ])('%s', (_case, routes, nicAddress, expected) => {
    expect(replyRoute(routes, nicAddress)).toEqual(expected);
  });

  it.each([
    ['ip-route-get-168.63.129.16-with-from__secondary-nic-policy-via-eth1.txt', 'eth1'],
    ['ip-route-get-168.63.129.16-with-from__secondary-nic-no-policy-via-eth0.txt', 'eth0'],
  ])('reads the device the kernel picks from the real capture %s', (file, device) => {
    expect(replyRoute(parseRouteGet(fixture(`linux/${file}`)), '10.0.1.5')?.device).toBe(device);
  });
});
