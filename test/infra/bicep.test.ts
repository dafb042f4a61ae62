/**
 * What can be checked of the infrastructure without a Bicep compiler: the JSON parses, parameter file
 * entries match declared parameters, every setting the code reads is set by the infra, module and
 * abbreviation references resolve, and the security-relevant properties are as designed.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { loadConfig } from '../../src/config';

const ROOT = join(__dirname, '..', '..');
const INFRA = join(ROOT, 'infra');
const read = (path: string) => readFileSync(join(ROOT, path), 'utf8');

function filesUnder(dir: string, ext: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory()) return e.name === 'queries' ? [] : filesUnder(path, ext);
    return e.name.endsWith(ext) ? [relative(ROOT, path)] : [];
  });
}

/** `param <name> <type> [= default]` declarations of a Bicep file. */
function bicepParams(text: string): { name: string; hasDefault: boolean }[] {
  return [...text.matchAll(/^param\s+(\w+)\s+[^=\n]+?(=.*)?$/gm)].map((m) => ({
    name: m[1] as string,
    hasDefault: m[2] !== undefined,
  }));
}

/** The setting names the code reads, found by letting loadConfig read an environment that records. */
function settingsTheCodeReads(): string[] {
  const seen = new Set<string>();
  const env = new Proxy(
    {},
    {
      get: (_target, key) => {
        if (typeof key === 'string') seen.add(key);
        return undefined;
      },
    },
  );
  loadConfig(env);
  return [...seen].sort();
}

/**
 * Keys of object literals in main.bicep and function.bicep (`Name: value` lines), which include the
 * app settings objects; checks below look for setting names among them.
 */
function appSettingKeys(): Set<string> {
  const text = read('infra/main.bicep') + read('infra/app/function.bicep');
  return new Set([...text.matchAll(/^\s*([A-Za-z][A-Za-z0-9_]*):\s/gm)].map((m) => m[1] as string));
}

describe('infra JSON files', () => {
  it.each(filesUnder(INFRA, '.json').filter((f) => !f.endsWith('workbook.json')))('%s parses', (file) => {
    // Act
    const parse = () => JSON.parse(read(file)) as unknown;
    // Assess
    expect(parse).not.toThrow();
  });
});

describe('main.parameters.json', () => {
  const declared = bicepParams(read('infra/main.bicep'));
  const entries = Object.keys(
    (JSON.parse(read('infra/main.parameters.json')) as { parameters: Record<string, unknown> }).parameters,
  );

  it.each(entries)('entry %s is a declared parameter', (entry) => {
    // Assess
    expect(declared.map((p) => p.name)).toContain(entry);
  });

  it('gives every parameter without a default a value', () => {
    // Prepare
    const required = declared.filter((p) => !p.hasDefault).map((p) => p.name);
    // Assess
    expect(required.filter((p) => !entries.includes(p))).toEqual([]);
    expect(required).toEqual(expect.arrayContaining(['environmentName', 'location', 'allowedScopes']));
  });

  it('documents every azd environment variable it reads in docs/deploy.md', () => {
    // Prepare
    const vars = [...read('infra/main.parameters.json').matchAll(/\$\{(\w+)/g)].map((m) => m[1] as string);
    const doc = read('docs/deploy.md');
    // Assess
    expect(vars.filter((v) => !v.startsWith('AZURE_') && !doc.includes(v))).toEqual([]);
  });
});

describe('app settings', () => {
  const keys = appSettingKeys();
  const codeReads = settingsTheCodeReads();

  it('finds the settings the code reads', () => {
    // Assess: a sanity floor, so an empty list cannot pass the next test.
    expect(codeReads).toEqual(
      expect.arrayContaining(['PROBE_DOCTOR_MODE', 'APPLICATIONINSIGHTS_CONNECTION_STRING']),
    );
    expect(codeReads.length).toBeGreaterThanOrEqual(17);
  });

  it.each(settingsTheCodeReads())('%s is set by the infra', (setting) => {
    // Assess
    expect(keys).toContain(setting);
  });

  it('sets no PROBE_DOCTOR_ setting the code does not read', () => {
    // Assess
    expect([...keys].filter((k) => k.startsWith('PROBE_DOCTOR_') && !codeReads.includes(k))).toEqual([]);
  });

  it.each([
    // host.json: "hubName": "%DURABLE_TASK_HUB_NAME%"
    ...[...read('host.json').matchAll(/%(\w+)%/g)].map((m) => m[1] as string),
    'AzureWebJobsStorage__credential',
    'AzureWebJobsStorage__clientId',
    'AzureWebJobsStorage__blobServiceUri',
    'AzureWebJobsStorage__queueServiceUri',
    'AzureWebJobsStorage__tableServiceUri',
    'APPLICATIONINSIGHTS_AUTHENTICATION_STRING',
    'AZURE_CLIENT_ID',
  ])('host setting %s is set', (setting) => {
    // Assess
    expect(keys).toContain(setting);
  });

  it('does not set FUNCTIONS_WORKER_RUNTIME, which Flex Consumption rejects', () => {
    // Assess
    expect(keys).not.toContain('FUNCTIONS_WORKER_RUNTIME');
  });
});

describe('Bicep references', () => {
  const bicepFiles = filesUnder(INFRA, '.bicep');

  it('finds the modules', () => {
    // Assess
    expect(bicepFiles.length).toBeGreaterThanOrEqual(10);
  });

  it.each(bicepFiles)('%s references modules and JSON that exist', (file) => {
    // Prepare
    const text = read(file);
    const dir = join(ROOT, file, '..');
    const refs = [
      ...[...text.matchAll(/^module\s+\w+\s+'([^']+\.bicep)'/gm)].map((m) => m[1] as string),
      ...[...text.matchAll(/load(?:Json|Text)Content\('([^']+)'\)/g)].map((m) => m[1] as string),
    ];
    // Assess
    expect(refs.filter((r) => !existsSync(join(dir, r)))).toEqual([]);
  });

  it('uses only abbreviations that abbreviations.json defines', () => {
    // Prepare
    const abbrs = JSON.parse(read('infra/abbreviations.json')) as Record<string, string>;
    const used = [...read('infra/main.bicep').matchAll(/abbrs\.(\w+)/g)].map((m) => m[1] as string);
    // Assess
    expect(used.length).toBeGreaterThan(0);
    expect(used.filter((u) => !(u in abbrs))).toEqual([]);
  });

  it('names outputs of main.bicep in UPPER_SNAKE_CASE', () => {
    // Prepare
    const outputs = [...read('infra/main.bicep').matchAll(/^output\s+(\w+)/gm)].map((m) => m[1] as string);
    // Assess
    expect(outputs).toEqual(expect.arrayContaining(['AZURE_FUNCTION_NAME', 'SERVICE_API_NAME']));
    expect(outputs.filter((o) => !/^[A-Z][A-Z0-9_]*$/.test(o))).toEqual([]);
  });

  it('reads every phase of role-actions.json in role.bicep', () => {
    // Prepare
    const phases = Object.keys(JSON.parse(read('infra/app/role-actions.json')) as object).filter(
      (k) => !k.startsWith('$'),
    );
    const role = read('infra/app/role.bicep');
    // Assess
    expect(phases.filter((p) => !role.includes(`roleActions.${p}`))).toEqual([]);
  });
});

describe('the workbook', () => {
  const workbookBicep = read('infra/app/workbook.bicep');

  it('is deployed from main.bicep, attached to Application Insights', () => {
    // Prepare
    const main = read('infra/main.bicep');
    // Assess
    expect(main).toMatch(/^module\s+\w+\s+'app\/workbook\.bicep'/m);
    expect(main).toMatch(/applicationInsightsId:\s*monitoring\.outputs\.applicationInsightsId/);
    expect(read('infra/app/monitoring.bicep')).toMatch(
      /^output\s+applicationInsightsId\s+string\s*=\s*applicationInsights\.id$/m,
    );
  });

  it.each([
    [/resource\s+\w+\s+'Microsoft\.Insights\/workbooks@\d{4}-\d{2}-\d{2}'/],
    [/kind:\s*'shared'/],
    [/name:\s*guid\(/],
    [/displayName:\s*displayName/],
    [/sourceId:\s*applicationInsightsId/],
    [/serializedData:\s*loadTextContent\('\.\.\/workbook\.json'\)/],
  ])('workbook.bicep matches %s', (pattern) => {
    // Assess
    expect(workbookBicep).toMatch(pattern);
  });

  it('loads a workbook that parses and is a Notebook/1.0 document', () => {
    // Prepare: the path workbook.bicep loads, resolved the way Bicep does (relative to the file).
    const loaded = /serializedData:\s*loadTextContent\('([^']+)'\)/.exec(workbookBicep)?.[1] ?? 'missing';
    const text = readFileSync(join(INFRA, 'app', loaded), 'utf8');
    // Act
    const workbook = JSON.parse(text) as { version?: unknown; items?: unknown };
    // Assess
    expect(workbook.version).toBe('Notebook/1.0');
    expect(Array.isArray(workbook.items)).toBe(true);
  });
});

describe('security and alert properties', () => {
  it.each([
    ['infra/app/storage.bicep', /allowSharedKeyAccess:\s*false/],
    ['infra/app/storage.bicep', /allowBlobPublicAccess:\s*false/],
    ['infra/app/monitoring.bicep', /DisableLocalAuth:\s*true/],
    ['infra/app/function.bicep', /AzureWebJobsStorage__credential:\s*'managedidentity'/],
    ['infra/app/function.bicep', /type:\s*'UserAssigned'/],
    ['infra/app/function.bicep', /tier:\s*'FlexConsumption'/],
    ['infra/app/function.bicep', /name:\s*'node'\s+version:\s*'22'/],
    ['infra/app/alerts.bicep', /useCommonAlertSchema:\s*true/],
    ['infra/app/alerts.bicep', /\/api\/alerts\?code=/],
    ['infra/app/alert-rule.bicep', /metricName:\s*'DipAvailability'/],
    ['infra/app/alert-rule.bicep', /operator:\s*'LessThan'/],
    ['infra/app/role.bicep', /type:\s*'CustomRole'/],
  ])('%s matches %s', (file, pattern) => {
    // Assess
    expect(read(file)).toMatch(pattern);
  });

  it('routes the alert to the webhook route the Functions app registers', () => {
    // Prepare
    const route = /route:\s*'([^']+)'/.exec(read('functions/alertWebhook.ts'))?.[1];
    // Assess
    expect(read('infra/app/alerts.bicep')).toContain(`/api/${route ?? 'missing'}?code=`);
  });
});
