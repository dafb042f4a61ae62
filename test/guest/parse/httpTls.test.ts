/**
 * The local GET's section as the Linux guest check prints it for HTTP(S) probes: the probe-like request
 * (NIC address as Host, no SNI, TLS 1.2), the chain `openssl s_client` prints, and the contrasting
 * requests (`host=<name>`, `tls=1.3`). Every input is the script's own section run against a real
 * listener (test/fixtures/guest/README.md: nginx 1.22.1 and Python 3 `ssl` servers on Debian 12,
 * curl 7.88.1, OpenSSL 3.0.19).
 */
import { splitSections } from '../../../src/guest/sections';
import { parseHttpCheck } from '../../../src/guest/parse/http';
import { fixture } from './fixtures';

const section = (file: string): string =>
  splitSections(fixture(`linux/guest-http-section__${file}.txt`)).sections.get('http') ?? '';

describe('parseHttpCheck: what the probe-like GET and its contrasts saw', () => {
  it('a site bound only to host names: 404 for the NIC address, 200 for each bound name', () => {
    // Act
    const check = parseHttpCheck(
      section('nginx-host-binding-404-contrast-200'),
      'http://10.0.1.4:80/healthz',
    );

    // Assess
    expect(check.status).toBe(404);
    expect(check.body).toMatch(/^<html>.*404 Not Found.*nginx\/1\.22\.1/);
    expect(check.tls).toBeUndefined();
    expect(check.contrasts).toEqual([
      { host: 'app.contoso.com', status: 200 },
      { host: 'www.contoso.com', status: 200 },
    ]);
  });

  it.each<[string, string, Record<string, unknown>]>([
    ['nginx-sni-required-unrecognized-name', 'sni-required', { alert: 'tlsv1 unrecognized name' }],
    ['tls13-only-protocol-version', 'protocol-version', { alert: 'tlsv1 alert protocol version' }],
    ['tls10-11-only-unsupported-protocol', 'protocol-version', { alert: 'unsupported protocol' }],
    [
      'client-certificate-required',
      'client-certificate',
      {
        alert: 'sslv3 alert handshake failure',
        clientCertificateRequested: true,
        chainSignatures: ['RSA-SHA256'],
        subject: 'CN = app.contoso.com',
      },
    ],
  ])('%s: the handshake fails (%s), and no status is read', (file, failure, more) => {
    // Act
    const check = parseHttpCheck(section(file), 'https://10.0.1.4:443/healthz');

    // Assess
    expect(check.status).toBeUndefined();
    expect(check.error).toMatch(/^curl \(35\) OpenSSL\/3\.0\.19: error:0A000/);
    expect(check.tls).toEqual({ failure, ...more });
  });

  it('SNI required: the contrast with SNI app.contoso.com gets 200, the other name still fails', () => {
    // Act
    const check = parseHttpCheck(
      section('nginx-sni-required-unrecognized-name'),
      'https://10.0.1.4:443/healthz',
    );

    // Assess
    expect(check.contrasts).toEqual([
      { host: 'app.contoso.com', status: 200 },
      {
        host: 'www.contoso.com',
        error: 'curl (35) OpenSSL/3.0.19: error:0A000458:SSL routines::tlsv1 unrecognized name',
      },
      {
        tlsVersion: '1.3',
        error: 'curl (35) OpenSSL/3.0.19: error:0A000458:SSL routines::tlsv1 unrecognized name',
      },
    ]);
  });

  it('TLS 1.3 only: the TLS 1.3 contrast gets 200', () => {
    // Act
    const check = parseHttpCheck(section('tls13-only-protocol-version'), 'https://10.0.1.4:443/healthz');

    // Assess
    expect(check.contrasts?.find((c) => c.tlsVersion === '1.3')).toEqual({ tlsVersion: '1.3', status: 200 });
  });

  it.each([
    ['sha1-chain-200', ['RSA-SHA1'], 'certificate-hash'],
    ['sha256-chain-200', ['RSA-SHA256'], undefined],
  ])('%s: 200 locally; the chain signature decides', (file, chainSignatures, failure) => {
    // Act
    const check = parseHttpCheck(section(file), 'https://10.0.1.4:443/healthz');

    // Assess
    expect(check.status).toBe(200);
    expect(check.body).toBe('ok');
    expect(check.contrasts).toBeUndefined();
    expect(check.tls).toEqual({
      chainSignatures,
      subject: 'CN = app.contoso.com',
      ...(failure ? { failure } : {}),
    });
  });
});

describe('parseHttpCheck: Windows PowerShell, TLS 1.2 only', () => {
  it('a handshake that fails on TLS 1.2 is a TLS failure the output does not name', () => {
    // Prepare: the check prints `error=` and the exception's message (the cmdlet's name is the error
    // record's prefix, not part of the message).
    const message = fixture('windows/invoke-webrequest__tls12-disabled-unexpected-error-on-send.txt')
      .trim()
      .replace(/^Invoke-WebRequest : /, '');

    // Act
    const check = parseHttpCheck(`error=${message}`, 'https://10.0.1.4:443/healthz');

    // Assess
    expect(check).toEqual({
      url: 'https://10.0.1.4:443/healthz',
      error: 'The underlying connection was closed: An unexpected error occurred on a send.',
      tls: {
        failure: 'handshake-failure',
        alert: 'The underlying connection was closed: An unexpected error occurred on a send.',
      },
    });
  });
});
