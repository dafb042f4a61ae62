/**
 * The sandbox's TLS certificate. The ARM clients' bearer-token policy refuses plain http, so the
 * sandbox must speak HTTPS; a fresh self-signed certificate per start means nothing secret is ever
 * stored, and clients trust it through one agent whose TLS context holds it as the only CA
 * (src/azure/trustedAgent.ts; notes/durable-local-host.md).
 */
import { generate } from 'selfsigned';

/** PEM key and certificate; the certificate doubles as the CA clients must trust. */
export interface SandboxCertificate {
  key: string;
  cert: string;
}

/**
 * Generates a self-signed certificate for `127.0.0.1` and `localhost`, valid for a day.
 * EC P-256 keeps generation fast (RSA 2048 takes a noticeable share of a test run).
 */
export async function generateSandboxCertificate(now: Date = new Date()): Promise<SandboxCertificate> {
  const notAfterDate = new Date(now.getTime() + 24 * 3600 * 1000);
  const pems = await generate([{ name: 'commonName', value: 'probe-doctor sandbox' }], {
    keyType: 'ec',
    curve: 'P-256',
    algorithm: 'sha256',
    notBeforeDate: new Date(now.getTime() - 60 * 1000),
    notAfterDate,
    extensions: [
      { name: 'basicConstraints', cA: true },
      { name: 'keyUsage', digitalSignature: true, keyCertSign: true },
      { name: 'extKeyUsage', serverAuth: true },
      {
        name: 'subjectAltName',
        altNames: [
          { type: 7, ip: '127.0.0.1' },
          { type: 2, value: 'localhost' },
        ],
      },
    ],
  });
  return { key: pems.private, cert: pems.cert };
}
