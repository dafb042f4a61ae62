/**
 * A stand-in for the Application Insights ingestion endpoint: HTTPS on 127.0.0.1 with a fresh
 * self-signed certificate (the exporter upgrades to https and trusts only NODE_EXTRA_CA_CERTS; see
 * notes/app-insights-local.md). It accepts `POST /v2.1/track` (gzip or plain JSON array of envelopes),
 * records the envelopes, and answers as ingestion does.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { generate } from 'selfsigned';

/** One telemetry item as the exporter sends it. */
export interface Envelope {
  name: string;
  iKey?: string;
  time?: string;
  tags?: Record<string, string>;
  data?: {
    baseType?: string;
    baseData?: { name?: string; properties?: Record<string, string>; measurements?: Record<string, number> };
  };
}

/** Every request the server saw, including ones to paths it does not serve. */
export interface SeenRequest {
  method: string;
  path: string;
  contentEncoding?: string;
}

/** How to answer a batch: defaults to accepting every item. */
export type Answerer = (envelopes: Envelope[]) => { status: number; body: unknown };

export const acceptAll: Answerer = (envelopes) => ({
  status: 200,
  body: { itemsReceived: envelopes.length, itemsAccepted: envelopes.length, errors: [] },
});

export interface IngestionServer {
  port: number;
  /** PEM file of the server's certificate, for NODE_EXTRA_CA_CERTS. */
  caFile: string;
  /** `InstrumentationKey=<key>;IngestionEndpoint=https://127.0.0.1:<port>/` */
  connectionString: string;
  instrumentationKey: string;
  envelopes: Envelope[];
  requests: SeenRequest[];
  /** Custom events only (`Microsoft.ApplicationInsights.Event`). */
  events(): Envelope[];
  setAnswerer(answerer: Answerer): void;
  close(): Promise<void>;
}

async function certificate(): Promise<{ key: string; cert: string }> {
  const now = Date.now();
  const pems = await generate([{ name: 'commonName', value: 'probe-doctor ingestion stand-in' }], {
    keyType: 'ec',
    curve: 'P-256',
    algorithm: 'sha256',
    notBeforeDate: new Date(now - 60_000),
    notAfterDate: new Date(now + 3600_000),
    extensions: [
      { name: 'basicConstraints', cA: true },
      { name: 'keyUsage', digitalSignature: true, keyCertSign: true },
      { name: 'extKeyUsage', serverAuth: true },
      { name: 'subjectAltName', altNames: [{ type: 7, ip: '127.0.0.1' }] },
    ],
  });
  return { key: pems.private, cert: pems.cert };
}

/** Starts the server on an ephemeral port of 127.0.0.1. Close it in afterAll. */
export async function startIngestionServer(
  instrumentationKey = '00000000-0000-4000-8000-000000000001',
): Promise<IngestionServer> {
  const { key, cert } = await certificate();
  const dir = await mkdtemp(join(tmpdir(), 'probe-doctor-ingestion-'));
  const caFile = join(dir, 'ca.pem');
  await writeFile(caFile, cert);
  const envelopes: Envelope[] = [];
  const requests: SeenRequest[] = [];
  let answerer: Answerer = acceptAll;

  const server: Server = createServer({ key, cert }, (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const path = (req.url ?? '').split('?')[0] ?? '';
      const encoding = req.headers['content-encoding'];
      requests.push({ method: req.method ?? '', path, ...(encoding ? { contentEncoding: encoding } : {}) });
      if (req.method !== 'POST' || path !== '/v2.1/track') {
        res.writeHead(404).end();
        return;
      }
      let batch: Envelope[];
      try {
        const raw = Buffer.concat(chunks);
        const text = (encoding === 'gzip' ? gunzipSync(raw) : raw).toString('utf8');
        batch = JSON.parse(text) as Envelope[];
        if (!Array.isArray(batch)) throw new Error('body is not a JSON array');
      } catch (err) {
        res.writeHead(400, { 'content-type': 'application/json' });
        res.end(
          JSON.stringify({
            itemsReceived: 0,
            itemsAccepted: 0,
            errors: [{ index: 0, statusCode: 400, message: String(err) }],
          }),
        );
        return;
      }
      envelopes.push(...batch);
      const answer = answerer(batch);
      res.writeHead(answer.status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(answer.body));
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;

  return {
    port,
    caFile,
    instrumentationKey,
    connectionString: `InstrumentationKey=${instrumentationKey};IngestionEndpoint=https://127.0.0.1:${port}/`,
    envelopes,
    requests,
    events: () => envelopes.filter((e) => e.data?.baseType === 'EventData'),
    setAnswerer: (a) => {
      answerer = a;
    },
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await rm(dir, { recursive: true, force: true });
    },
  };
}
