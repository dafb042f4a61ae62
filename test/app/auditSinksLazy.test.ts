/**
 * The Azure Monitor exporter is loaded on first use: a process configured without a connection string
 * never loads `@azure/monitor-opentelemetry-exporter` or the OpenTelemetry SDK, one configured with it does. Checked in a child process
 * (plain node loading the TypeScript sources), because jest's module registry is not node's.
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** Builds the configured sink in a child and answers whether the exporter and the OpenTelemetry SDK were loaded. */
const CHILD = `
const fs = require('node:fs');
const ts = require('typescript');
require.extensions['.ts'] = (module, filename) => {
  const { outputText } = ts.transpileModule(fs.readFileSync(filename, 'utf8'), {
    fileName: filename,
    compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true },
  });
  module._compile(outputText, filename);
};
const { createConfiguredAuditSink } = require('./src/app/auditSinks.ts');
const config = { mode: 'observe', applicationInsightsConnectionString: process.env.CONNECTION || undefined };
createConfiguredAuditSink(config).then(() => {
  const loaded = Object.keys(require.cache).some((k) => k.includes('/node_modules/@azure/monitor-opentelemetry-exporter/') || k.includes('/node_modules/@opentelemetry/sdk-logs/'));
  process.stdout.write(JSON.stringify({ loaded }));
  process.exit(0);
});
`;

async function sdkLoaded(connection: string): Promise<boolean> {
  const { stdout } = await run(process.execPath, ['-e', CHILD], {
    cwd: join(__dirname, '..', '..'),
    env: { ...process.env, CONNECTION: connection, APPLICATIONINSIGHTS_CONNECTION_STRING: '' },
    timeout: 120_000,
  });
  return (JSON.parse(stdout) as { loaded: boolean }).loaded;
}

describe('createConfiguredAuditSink', () => {
  it('loads the Azure Monitor exporter only when a connection string is configured', async () => {
    // Act
    const [without, withIt] = await Promise.all([
      sdkLoaded(''),
      sdkLoaded(
        'InstrumentationKey=00000000-0000-0000-0000-000000000000;IngestionEndpoint=https://127.0.0.1:9/',
      ),
    ]);
    // Assess
    expect({ without, withIt }).toEqual({ without: false, withIt: true });
  }, 180_000);
});
