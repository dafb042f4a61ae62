/**
 * The sandbox's local-GET section against the real captures: for each capture in
 * test/fixtures/guest/linux/guest-http-section__*.txt, a scenario listener with the same facts must
 * render the same lines (the sandbox runs the script the product sent and answers as the VM would).
 * Only what differs between two runs of the real tools is set aside: OpenSSL's thread id in front of
 * an alert line and the certificate's validity dates.
 */
import { buildGuestScript } from '../../../src/guest/scripts';
import { parseGuestOutput, parseRunCommandResult } from '../../../src/guest/parse';
import { runCommandResult } from '../../../src/sandbox/guest';
import type { GuestInput } from '../../helpers/scenarioBuilder';
import { createSandboxState } from '../../../src/sandbox/state';
import { splitSections } from '../../../src/guest/sections';
import { fixture } from '../../guest/parse/fixtures';
import { ids, miniScenario } from '../miniScenario';

type HttpInput = NonNullable<GuestInput['http']>;

/** nginx 1.22.1's own 404 page, as it sends it (CRLF line ends). */
const NGINX_404 =
  '<html>\r\n<head><title>404 Not Found</title></head>\r\n<body>\r\n<center><h1>404 Not Found</h1></center>\r\n<hr><center>nginx/1.22.1</center>\r\n</body>\r\n</html>\r\n';
const BOTH = ['app.contoso.com', 'www.contoso.com'];

/** The listener of each capture (see test/fixtures/guest/README.md), on port 443 or 80. */
const CASES: [file: string, protocol: 'Http' | 'Https', http: HttpInput][] = [
  [
    'nginx-host-binding-404-contrast-200',
    'Http',
    [
      {
        port: 80,
        path: '/healthz',
        status: 404,
        body: NGINX_404,
        hostBindings: BOTH.map((host) => ({ host, status: 200, body: 'ok\n' })),
      },
    ],
  ],
  [
    'nginx-sni-required-unrecognized-name',
    'Https',
    [
      // nginx names both sites in its configuration; only app.contoso.com has a certificate.
      { port: 80, path: '/', status: 404, hostBindings: BOTH.map((host) => ({ host, status: 200 })) },
      {
        port: 443,
        path: '/healthz',
        status: 200,
        tls: { versions: ['1.2', '1.3'], requiresSni: true, serverNames: ['app.contoso.com'] },
      },
    ],
  ],
  [
    'tls13-only-protocol-version',
    'Https',
    [{ port: 443, path: '/healthz', status: 200, tls: { versions: ['1.3'], serverNames: BOTH } }],
  ],
  [
    'tls10-11-only-unsupported-protocol',
    'Https',
    [{ port: 443, path: '/healthz', status: 200, tls: { versions: ['1.0', '1.1'], serverNames: BOTH } }],
  ],
  [
    'client-certificate-required',
    'Https',
    [
      {
        port: 443,
        path: '/healthz',
        status: 200,
        tls: { versions: ['1.2', '1.3'], serverNames: BOTH, clientCertificate: 'required' },
      },
    ],
  ],
  [
    'sha1-chain-200',
    'Https',
    [
      {
        port: 443,
        path: '/healthz',
        status: 200,
        body: 'ok\n',
        tls: { versions: ['1.2', '1.3'], serverNames: ['app.contoso.com'], signatureHash: 'sha1' },
      },
    ],
  ],
  [
    'sha256-chain-200',
    'Https',
    [
      {
        port: 443,
        path: '/healthz',
        status: 200,
        body: 'ok\n',
        tls: { versions: ['1.2', '1.3'], serverNames: ['app.contoso.com'] },
      },
    ],
  ],
];

/** What two runs of the real tools print differently. */
const normalise = (text: string): string =>
  text
    .replace(/^[0-9A-F]{16}:error:/gm, '<thread>:error:')
    .replace(/^( {3}v:NotBefore: ).*$/gm, '$1<dates>')
    .replace(/127\.0\.0\.1|10\.0\.0\.4/g, '<nic>')
    .trimEnd();

function rendered(protocol: 'Http' | 'Https', http: HttpInput): string {
  const port = protocol === 'Https' ? 443 : 80;
  const state = createSandboxState(
    miniScenario((doc) => {
      (doc.guests as Record<string, unknown>)[ids.vm1] = {
        os: 'linux',
        listening: [{ protocol: 'tcp', address: '0.0.0.0', port }],
        http,
      };
    }),
  );
  const { commandId, script } = buildGuestScript(
    'linux',
    { protocol, port, requestPath: '/healthz' },
    '10.0.0.4',
  );
  return parseRunCommandResult(runCommandResult(state, ids.vm1, { commandId, script })).stdout;
}

describe('the sandbox renders the local GET as the real tools print it', () => {
  it.each(CASES)('%s', (file, protocol, http) => {
    // Prepare
    const real = splitSections(fixture(`linux/guest-http-section__${file}.txt`)).sections.get('http');

    // Act
    const stdout = rendered(protocol, http);

    // Assess: the same lines, and the product's parser reads the same evidence from both.
    const mine = splitSections(stdout).sections.get('http');
    expect(normalise(mine ?? '')).toBe(normalise(real ?? ''));
    const probe = { protocol, port: protocol === 'Https' ? 443 : 80, requestPath: '/healthz' } as const;
    const fromReal = parseGuestOutput(
      'linux',
      `=== http ===\n${real}\n=== end ===\n`,
      probe,
      '10.0.0.4',
    ).http;
    expect(parseGuestOutput('linux', stdout, probe, '10.0.0.4').http).toEqual(fromReal);
  });
});
