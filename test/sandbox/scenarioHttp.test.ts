/**
 * The scenario format's HTTP(S) listener facts (guest `http` entries: `hostBindings`, `tls`): defaults,
 * and one clear error naming the JSON path for each combination that cannot describe a listener.
 */
import { parseScenario } from '../../src/sandbox/scenario';
import { ids, miniScenarioDocument } from './miniScenario';

type Raw = Record<string, unknown>;

function withHttp(http: Raw[]): Raw {
  const doc = miniScenarioDocument();
  (doc.guests as Raw)[ids.vm1] = {
    os: 'linux',
    listening: [{ protocol: 'tcp', address: '0.0.0.0', port: 443 }],
    http,
  };
  return doc;
}

const at = (path: string) => `$.guests[${JSON.stringify(ids.vm1)}].http${path}`;
const entry = (over: Raw = {}): Raw => ({ port: 443, path: '/healthz', status: 200, ...over });

describe('scenario guest http: hostBindings and tls', () => {
  it('fills the TLS defaults the docs make matter', () => {
    // Act
    const scenario = parseScenario(
      withHttp([
        entry({ tls: { versions: ['1.2'] }, hostBindings: [{ host: 'app.contoso.com', status: 404 }] }),
      ]),
    );

    // Assess
    expect(scenario.guests[ids.vm1]?.http[0]).toEqual({
      port: 443,
      path: '/healthz',
      status: 200,
      hostBindings: [{ host: 'app.contoso.com', status: 404 }],
      tls: {
        versions: ['1.2'],
        requiresSni: false,
        serverNames: [],
        signatureHash: 'sha256',
        clientCertificate: 'none',
      },
    });
  });

  it.each<[string, Raw[], string, string]>([
    [
      'requiresSni without serverNames',
      [entry({ tls: { versions: ['1.2'], requiresSni: true } })],
      '[0].tls.serverNames',
      'requiresSni needs the serverNames the listener has certificates for',
    ],
    ['no TLS version', [entry({ tls: { versions: [] } })], '[0].tls.versions', ''],
    ['TLS 1.4', [entry({ tls: { versions: ['1.4'] } })], '[0].tls.versions[0]', ''],
    [
      'a version twice',
      [entry({ tls: { versions: ['1.2', '1.2'] } })],
      '[0].tls.versions',
      'lists a TLS version twice',
    ],
    [
      'a misspelt tls field',
      [entry({ tls: { versions: ['1.2'], requireSni: true } })],
      '[0].tls',
      'Unrecognized key: "requireSni"',
    ],
    [
      'an unknown signature hash',
      [entry({ tls: { versions: ['1.2'], signatureHash: 'sha2' } })],
      '[0].tls.signatureHash',
      '',
    ],
    [
      'an IP address as a host binding',
      [entry({ hostBindings: [{ host: '10.0.0.4', status: 200 }] })],
      '[0].hostBindings[0].host',
      'must be a host name, not an IP address',
    ],
    [
      'a wildcard host binding',
      [entry({ hostBindings: [{ host: '*.contoso.com', status: 200 }] })],
      '[0].hostBindings[0].host',
      'must be a DNS host name (letters, digits, hyphens and dots; no wildcard)',
    ],
    [
      'the same host bound twice',
      [
        entry({
          hostBindings: [
            { host: 'app.contoso.com', status: 200 },
            { host: 'APP.contoso.com', status: 404 },
          ],
        }),
      ],
      '[0].hostBindings[1].host',
      'duplicate host (also at hostBindings[0]): APP.contoso.com',
    ],
    [
      'a misspelt binding field',
      [entry({ hostBindings: [{ host: 'a.b', code: 200 }] })],
      '[0].hostBindings[0].status',
      '',
    ],
    [
      'two entries of one port with different tls',
      [entry({ tls: { versions: ['1.2'] } }), entry({ path: '/', tls: { versions: ['1.3'] } })],
      '[1].tls',
      'port 443 is one listener: its tls differs from http[0].tls',
    ],
    [
      'one port and path twice',
      [entry(), entry({ status: 500 })],
      '[1].path',
      'port 443 path /healthz is already at http[0]',
    ],
  ])('rejects %s, naming the field', (_case, http, path, message) => {
    // Act / Assess
    expect(() => parseScenario(withHttp(http))).toThrow(`scenario: ${at(path)}: ${message}`);
  });
});
