/**
 * Each HTTP(S) probe outcome gets its own next step, naming its evidence (issue 13, "Advice grounded in
 * evidence"), end to end: a scenario's listener facts (status per Host, TLS versions, SNI, client
 * certificate, chain hash) -> the sandbox's probe and Run Command output -> the real SDK clients, the
 * guest check's parser, diagnosis and planning. Expectations follow docs/probe-facts.md ("What HTTP(S)
 * probes send"): the IP as Host, no SNI, TLS 1.2, 200 only, SHA256 chains, no mutual TLS.
 */
import type { Report } from '../../src/model/report';
import { scenario, type GuestInput } from '../helpers/scenarioBuilder';
import { runScenarioDocument, runShippedScenario } from '../helpers/shippedRun';

type Http = NonNullable<GuestInput['http']>;

/** One VM per outcome behind one load balancer with the given probe; every VM named `<outcome>`. */
function outcomes(
  probe: { protocol: 'Http' | 'Https'; port: number },
  vms: Record<string, { os?: 'linux' | 'windows'; http: Http }>,
) {
  let b = scenario(`outcomes-${probe.protocol.toLowerCase()}`, { resourceGroup: 'rg-outcomes' })
    .vnet('vnet-outcomes', ['10.30.0.0/16'])
    .subnet('snet-app', '10.30.1.0/24')
    .lb({
      name: 'lb-outcomes',
      probe: { name: 'probe-app', protocol: probe.protocol, port: probe.port, path: '/healthz' },
      rule: { name: 'rule-app', frontendPort: probe.port, backendPort: probe.port },
    });
  for (const [name, vm] of Object.entries(vms))
    b = b.vm(name, { os: vm.os ?? 'linux', guest: { http: vm.http } });
  const names = Object.keys(vms);
  return b
    .expect({
      verdict: 'action-required',
      causes: [],
      backends: Object.fromEntries(
        names.map((n) => [n, n === 'ok' ? [] : ['probe-endpoint-error' as const]]),
      ),
    })
    .build();
}

/** Each backend VM's cause summary and its recommendation, by VM name. */
function byVm(report: Report): Record<string, { cause?: string; step?: string; ip?: string }> {
  const out: Record<string, { cause?: string; step?: string; ip?: string }> = {};
  for (const b of report.backends) {
    // A healthy backend is not read in depth in observe mode (no VM id): its NIC `<vm>-nic` names it.
    const name =
      (b.vmId ?? '').split('/').pop() ||
      (/\/networkInterfaces\/([^/]+)-nic\//i.exec(b.ipConfigurationId ?? '')?.[1] ?? '?');
    const step = report.fixes.find((f) => f.kind === 'recommendation' && f.target === b.vmId)?.reason;
    out[name] = {
      ...(b.causes[0] ? { cause: b.causes[0].summary } : {}),
      ...(step ? { step } : {}),
      ...(b.ipAddress ? { ip: b.ipAddress } : {}),
    };
  }
  return out;
}

const at = (status: number, extra: Partial<Http[number]> = {}): Http => [
  { port: 80, path: '/healthz', status, ...extra },
];
const tls = (t: NonNullable<Http[number]['tls']>): Http => [
  { port: 443, path: '/healthz', status: 200, tls: t },
];

describe('HTTP probe: one next step per outcome, each naming the status and the Host', () => {
  let seen: ReturnType<typeof byVm>;
  beforeAll(async () => {
    const doc = outcomes(
      { protocol: 'Http', port: 80 },
      {
        ok: { http: at(200) },
        auth401: { http: at(401) },
        filter403: { http: at(403) },
        bound404: { http: at(404, { hostBindings: [{ host: 'shop.contoso.com', status: 200 }] }) },
        // IIS: the site bound to shop.contoso.com only (Get-WebBinding names it; curl.exe tries it).
        iisBound404: {
          os: 'windows',
          http: at(404, { hostBindings: [{ host: 'shop.contoso.com', status: 200 }] }),
        },
        plain404: { http: [{ port: 80, path: '/', status: 200 }] },
        // The tester's http-hb-401 kind: another Host gets 200, whatever the probe's own status.
        bound401: { http: at(401, { hostBindings: [{ host: 'shop.contoso.com', status: 200 }] }) },
        bound403: { http: at(403, { hostBindings: [{ host: 'shop.contoso.com', status: 200 }] }) },
        bound301: { http: at(301, { hostBindings: [{ host: 'shop.contoso.com', status: 200 }] }) },
        bound503: { http: at(503, { hostBindings: [{ host: 'shop.contoso.com', status: 200 }] }) },
        redirect302: { http: at(302) },
        error503: { http: at(503) },
      },
    );
    const { report, writes } = await runScenarioDocument(doc, 'observe');
    expect(writes).toEqual([]);
    expect(report.verdict).toBe('action-required');
    seen = byVm(report);
  });

  it('200 is up and gets nothing', () => {
    expect(seen.ok).toEqual({ ip: expect.any(String) });
  });

  it.each<[string, RegExp[], RegExp[]]>([
    [
      'auth401',
      [
        /answers 401 for Host 10\.30\.1\.\d+ \(what the probe sends\)/,
        /exempt \/healthz, or requests from 168\.63\.129\.16/,
      ],
      [/requestPath|port/],
    ],
    [
      'filter403',
      [/answers 403 for Host 10\.30\.1\.\d+/, /no credentials and no custom headers/],
      [/requestPath/],
    ],
    [
      'bound404',
      [
        /answers 404 for Host 10\.30\.1\.\d+ \(what the probe sends\), but 200 for Host shop\.contoso\.com/,
        /default site or catch-all server/,
      ],
      [/requestPath|another port/],
    ],
    [
      'iisBound404',
      [
        /answers 404 for Host 10\.30\.1\.\d+ \(what the probe sends\), but 200 for Host shop\.contoso\.com/,
        /default site or catch-all server/,
      ],
      [/requestPath|another port/],
    ],
    [
      'bound401',
      [
        /answers 401 for Host 10\.30\.1\.\d+ \(what the probe sends\), but 200 for Host shop\.contoso\.com/,
        /bound to host name only/,
        /default site or catch-all server/,
      ],
      [/credentials|redirects|unhealthy|requestPath|another port/],
    ],
    [
      'bound403',
      [
        /answers 403 for Host 10\.30\.1\.\d+ \(what the probe sends\), but 200 for Host shop\.contoso\.com/,
        /bound to host name only/,
        /default site or catch-all server/,
      ],
      [/credentials|redirects|unhealthy|requestPath|another port/],
    ],
    [
      'bound301',
      [
        /answers 301 for Host 10\.30\.1\.\d+ \(what the probe sends\), but 200 for Host shop\.contoso\.com/,
        /bound to host name only/,
        /default site or catch-all server/,
      ],
      [/credentials|redirects|unhealthy|requestPath|another port/],
    ],
    [
      'bound503',
      [
        /answers 503 for Host 10\.30\.1\.\d+ \(what the probe sends\), but 200 for Host shop\.contoso\.com/,
        /bound to host name only/,
        /default site or catch-all server/,
      ],
      [/credentials|redirects|unhealthy|requestPath|another port/],
    ],
    [
      'plain404',
      [
        /answers 404 for Host 10\.30\.1\.\d+/,
        /nothing answers \/healthz/,
        /requestPath to a path on the same listener/,
      ],
      [/ but 200 for Host/],
    ],
    ['redirect302', [/answers 302 for Host/, /probes do not follow redirects/], []],
    [
      'error503',
      [/answers 503 for Host/, /reports itself unhealthy on \/healthz/, /the probe is doing its job/],
      [/requestPath/],
    ],
  ])('%s', (vm, must, never) => {
    const { step, cause } = seen[vm] ?? {};
    expect(cause).toMatch(/^The local GET http:\/\/10\.30\.1\.\d+:80\/healthz on /);
    for (const m of must) expect(step).toMatch(m);
    for (const n of never) expect(step).not.toMatch(n);
  });

  it('the host-binding cause quotes the contrast', () => {
    expect(seen.bound404?.cause).toMatch(
      /answered 404 for Host 10\.30\.1\.\d+, as the probe sends it; .*; with Host shop\.contoso\.com it answers 200\.$/,
    );
  });
});

describe('HTTPS probe: TLS outcomes, each naming the TLS detail', () => {
  let seen: ReturnType<typeof byVm>;
  beforeAll(async () => {
    const doc = outcomes(
      { protocol: 'Https', port: 443 },
      {
        ok: { http: tls({ versions: ['1.2', '1.3'] }) },
        tls13only: { http: tls({ versions: ['1.3'] }) },
        sni: {
          http: tls({ versions: ['1.2', '1.3'], requiresSni: true, serverNames: ['shop.contoso.com'] }),
        },
        mtls: {
          http: tls({
            versions: ['1.2', '1.3'],
            clientCertificate: 'required',
            serverNames: ['shop.contoso.com'],
          }),
        },
        sha1: { http: tls({ versions: ['1.2'], signatureHash: 'sha1', serverNames: ['shop.contoso.com'] }) },
        winTls13: { os: 'windows', http: tls({ versions: ['1.3'] }) },
        bound404: {
          http: [
            {
              port: 443,
              path: '/healthz',
              status: 404,
              hostBindings: [{ host: 'shop.contoso.com', status: 200 }],
              tls: { versions: ['1.2'], serverNames: ['shop.contoso.com'] },
            },
          ],
        },
      },
    );
    const { report, writes } = await runScenarioDocument(doc, 'fix');
    expect(writes).toEqual([]);
    seen = byVm(report);
  });

  it('a listener offering TLS 1.2 is up', () => {
    expect(seen.ok?.step).toBeUndefined();
  });

  it.each<[string, RegExp[]]>([
    [
      'tls13only',
      [
        /the listener refuses TLS 1\.2 \(tlsv1 alert protocol version\), while the same GET with TLS 1\.3 answers 200/,
        /allow TLS 1\.2 on the listener/,
      ],
    ],
    [
      'sni',
      [
        /refuses a TLS handshake without a server name \(tlsv1 unrecognized name\), while with SNI shop\.contoso\.com it answers 200/,
        /default certificate for handshakes without SNI/,
      ],
    ],
    [
      'mtls',
      [
        /asks for a client certificate and ends the handshake without one \(sslv3 alert handshake failure\)/,
        /do not support mutual TLS/,
      ],
    ],
    [
      'sha1',
      [
        /answers 200 locally, but the listener's certificate chain is signed with RSA-SHA1/,
        /SHA256 or stronger/,
      ],
    ],
    [
      'winTls13',
      [
        /the TLS 1\.2 handshake fails \(The underlying connection was closed: An unexpected error occurred on a send\.\)/,
        /negotiate TLS 1\.2, send no SNI and no client certificate/,
      ],
    ],
    [
      'bound404',
      [
        /answers 404 for Host 10\.30\.1\.\d+ \(what the probe sends\), but 200 for Host shop\.contoso\.com/,
        /and no SNI/,
      ],
    ],
  ])('%s', (vm, must) => {
    const { step, cause } = seen[vm] ?? {};
    expect(cause).toMatch(/^The local GET https:\/\/10\.30\.1\.\d+:443\/healthz on /);
    for (const m of must) expect(step).toMatch(m);
    // A TLS failure or a host binding is shared by every path: no other path, and never another port.
    expect(step).not.toMatch(/requestPath|probe-app port/);
  });
});

describe.each(['observe', 'fix'] as const)('shipped HTTP(S) outcome scenarios (%s)', (mode) => {
  it('http-probe-host-binding-404: 404 for the IP, 200 for the bound name, a default site as the step', async () => {
    const { report, writes } = await runShippedScenario('http-probe-host-binding-404.json', mode);
    expect(writes).toEqual([]);
    expect(report.verdict).toBe('action-required');
    const steps = (report.nextSteps ?? []).join('\n');
    expect(steps).toMatch(
      /http:\/\/10\.10\.1\.4:80\/healthz answers 404 for Host 10\.10\.1\.4 \(what the probe sends\), but 200 for Host shop\.contoso\.com/,
    );
    expect(steps).toMatch(/make \/healthz answer 200 for any Host \(a default site or catch-all server/);
  });

  it('https-probe-sni-required: the handshake without SNI is refused, with SNI it answers', async () => {
    const { report, writes } = await runShippedScenario('https-probe-sni-required.json', mode);
    expect(writes).toEqual([]);
    expect(report.verdict).toBe('action-required');
    const web0 = report.backends.find((b) => b.ipAddress === '10.10.1.4');
    expect(web0?.causes.map((c) => c.id)).toEqual(['probe-endpoint-error']);
    expect(web0?.causes[0]?.evidence).toMatchObject({
      host: '10.10.1.4',
      tls: { failure: 'sni-required', alert: 'tlsv1 unrecognized name' },
      contrasts: expect.arrayContaining([{ host: 'shop.contoso.com', status: 200 }]),
    });
    const steps = (report.nextSteps ?? []).join('\n');
    expect(steps).toMatch(/while with SNI shop\.contoso\.com it answers 200\. HTTPS probes send no SNI/);
  });
});
