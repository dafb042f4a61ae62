/**
 * The infrastructure as Azure receives it: infra/main.bicep compiled and linted by the real Bicep CLI
 * (Azure.Bicep.CommandLine from NuGet, installed by .ci/install-tools), and the checks read the compiled
 * ARM JSON — the app settings the Function App gets, the security properties, the alert wiring, the
 * role's actions — instead of the Bicep text. Without the CLI these skip with a message (CI fails).
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../src/config';
import { bicepPath, describeWithTool } from '../helpers/realTools';
import {
  bicepCli,
  buildBicep,
  callsIn,
  createObjectKeys,
  memberReadsOf,
  moduleDeployment,
  moduleOutputRead,
  onlyResource,
  parseArmExpression,
  referencesIn,
  resourcesOfType,
  type ArmTemplate,
  type CliResult,
} from './armTemplate';

const ROOT = join(__dirname, '..', '..');
const MAIN = join(ROOT, 'infra', 'main.bicep');
const read = (path: string) => readFileSync(join(ROOT, path), 'utf8');
const BICEP = bicepPath();

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

describe('infra JSON files', () => {
  it.each(['infra/main.parameters.json', 'infra/abbreviations.json', 'infra/app/role-actions.json'])(
    '%s parses',
    (file) => {
      // Assess
      expect(() => JSON.parse(read(file)) as unknown).not.toThrow();
    },
  );

  it('documents every azd environment variable main.parameters.json reads in docs/deploy.md', () => {
    // Prepare
    const vars = [...read('infra/main.parameters.json').matchAll(/\$\{(\w+)/g)].map((m) => m[1] as string);
    const doc = read('docs/deploy.md');
    // Assess
    expect(vars.length).toBeGreaterThan(0);
    expect(vars.filter((v) => !v.startsWith('AZURE_') && !doc.includes(v))).toEqual([]);
  });
});

describeWithTool('infra/main.bicep compiled by the Bicep CLI', BICEP ? undefined : 'no Bicep CLI', () => {
  const bicep = BICEP as string;
  let build: CliResult & { template?: ArmTemplate };
  let lint: CliResult;
  let arm: ArmTemplate;

  beforeAll(async () => {
    // One build and one lint, at once: each takes seconds (minutes on a loaded machine).
    [build, lint] = await Promise.all([buildBicep(bicep, MAIN), bicepCli(bicep, ['lint', MAIN])]);
    if (!build.template) throw new Error(`bicep build failed (${build.code}): ${build.output}`);
    arm = build.template;
  }, 300_000);

  describe('the compiler', () => {
    it('builds main.bicep with no error and no warning', () => {
      // Assess
      expect({ code: build.code, output: build.output.trim() }).toEqual({ code: 0, output: '' });
    });

    it('lints main.bicep and its modules with no diagnostic', () => {
      // Assess: warnings do not change lint's exit code, so its output must be empty.
      expect({ code: lint.code, output: lint.output.trim() }).toEqual({ code: 0, output: '' });
    });

    it('fails the build on an error and reports a lint warning, so both checks can fail', async () => {
      // Prepare: a module with an unused parameter (linter rule no-unused-params) and, separately, a
      // reference to a symbol that does not exist (compiler error BCP057).
      const dir = await mkdtemp(join(tmpdir(), 'probe-doctor-bicep-broken-'));
      try {
        await writeFile(join(dir, 'unused.bicep'), "param unused string\noutput x string = 'x'\n");
        await writeFile(join(dir, 'broken.bicep'), 'output x string = missingSymbol\n');
        // Act
        const [warned, broken] = await Promise.all([
          bicepCli(bicep, ['lint', join(dir, 'unused.bicep')]),
          bicepCli(bicep, ['build', join(dir, 'broken.bicep')]),
        ]);
        // Assess
        expect(warned.output).toMatch(/Warning no-unused-params/);
        expect(broken.code).not.toBe(0);
        expect(broken.output).toMatch(/Error BCP057/);
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    }, 300_000);
  });

  describe('parameters', () => {
    it('gives every parameter without a default a value in main.parameters.json, and no other entry', () => {
      // Prepare
      const declared = arm.parameters ?? {};
      const entries = Object.keys(
        (JSON.parse(read('infra/main.parameters.json')) as { parameters: Record<string, unknown> })
          .parameters,
      );
      const required = Object.keys(declared).filter((p) => !('defaultValue' in declared[p]!));
      // Assess
      expect(entries.filter((e) => !(e in declared))).toEqual([]);
      expect(required.filter((p) => !entries.includes(p))).toEqual([]);
      expect(required).toEqual(expect.arrayContaining(['environmentName', 'location', 'allowedScopes']));
    });

    it('names the outputs in UPPER_SNAKE_CASE, as azd reads them', () => {
      // Prepare
      const outputs = Object.keys(arm.outputs ?? {});
      // Assess
      expect(outputs).toEqual(expect.arrayContaining(['AZURE_FUNCTION_NAME', 'SERVICE_API_NAME']));
      expect(outputs.filter((o) => !/^[A-Z][A-Z0-9_]*$/.test(o))).toEqual([]);
    });
  });

  describe('app settings', () => {
    /** The keys of the Function App's appsettings resource, through the parameter main.bicep passes. */
    function appSettingKeys(): string[] {
      const api = moduleDeployment(arm, 'api');
      const config = api.template.resources.find((r) => r.type === 'Microsoft.Web/sites/config');
      const union = parseArmExpression(config?.properties as string);
      expect(union).toMatchObject({ kind: 'call', name: 'union' });
      const keys: string[] = [];
      for (const part of (union as { args: ReturnType<typeof parseArmExpression>[] }).args) {
        if (part.kind === 'call' && part.name === 'createObject') keys.push(...createObjectKeys(part));
        else if (part.kind === 'call' && part.name === 'parameters') {
          // The appSettings parameter: main.bicep passes a variable holding an object literal.
          const passed = api.properties.parameters[(part.args[0] as { value: string }).value].value as string;
          const variable = referencesIn(parseArmExpression(passed))[0]?.replace('variables:', '') ?? '';
          keys.push(...Object.keys(arm.variables?.[variable] as object));
        } else throw new Error(`unexpected part of the app settings: ${JSON.stringify(part)}`);
      }
      return keys;
    }

    const codeReads = settingsTheCodeReads();

    it('finds the settings the code reads and the settings the app gets', () => {
      // Assess: sanity floors, so an empty list cannot pass the tests below.
      expect(codeReads).toEqual(
        expect.arrayContaining(['PROBE_DOCTOR_MODE', 'APPLICATIONINSIGHTS_CONNECTION_STRING']),
      );
      expect(codeReads.length).toBeGreaterThanOrEqual(17);
      expect(appSettingKeys().length).toBeGreaterThanOrEqual(codeReads.length);
    });

    it.each(codeReads)('%s is set by the infra', (setting) => {
      // Assess
      expect(appSettingKeys()).toContain(setting);
    });

    it('sets no PROBE_DOCTOR_ setting the code does not read', () => {
      // Assess
      expect(appSettingKeys().filter((k) => k.startsWith('PROBE_DOCTOR_') && !codeReads.includes(k))).toEqual(
        [],
      );
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
      expect(appSettingKeys()).toContain(setting);
    });

    it('does not set FUNCTIONS_WORKER_RUNTIME, which Flex Consumption rejects', () => {
      // Assess
      expect(appSettingKeys()).not.toContain('FUNCTIONS_WORKER_RUNTIME');
    });
  });

  describe('security and hosting properties', () => {
    it('deploys identity-only storage', () => {
      // Prepare
      const { resource } = onlyResource(arm, 'Microsoft.Storage/storageAccounts');
      // Assess
      expect(resource.properties).toMatchObject({
        allowSharedKeyAccess: false,
        allowBlobPublicAccess: false,
        minimumTlsVersion: 'TLS1_2',
        supportsHttpsTrafficOnly: true,
      });
    });

    it('disables local auth on Application Insights', () => {
      // Assess
      expect(onlyResource(arm, 'Microsoft.Insights/components').resource.properties.DisableLocalAuth).toBe(
        true,
      );
    });

    it('runs a Flex Consumption app on Node.js 22 as the user-assigned identity, HTTPS only', () => {
      // Prepare
      const site = onlyResource(arm, 'Microsoft.Web/sites').resource;
      const plan = onlyResource(arm, 'Microsoft.Web/serverfarms').resource;
      // Assess
      expect(plan.sku).toMatchObject({ tier: 'FlexConsumption', name: 'FC1' });
      expect(site.identity).toMatchObject({ type: 'UserAssigned' });
      expect(site.properties.httpsOnly).toBe(true);
      expect(site.properties.functionAppConfig.runtime).toEqual({ name: 'node', version: '22' });
    });
  });

  describe('alert wiring', () => {
    it('calls the webhook route the Functions app registers, with the Common Alert Schema', () => {
      // Prepare
      const route = /route:\s*'([^']+)'/.exec(read('functions/alertWebhook.ts'))?.[1] ?? 'missing';
      const group = onlyResource(arm, 'Microsoft.Insights/actionGroups').resource;
      const receiver = group.properties.webhookReceivers[0];
      const uri = parseArmExpression(receiver.serviceUri as string);
      // Assess: format('https://{0}/api/<route>?code={1}', <host name>, listKeys(<the function>).default)
      expect(receiver.useCommonAlertSchema).toBe(true);
      expect(uri).toMatchObject({ kind: 'call', name: 'format' });
      expect((uri as { args: { value?: unknown }[] }).args[0]?.value).toBe(
        `https://{0}/api/${route}?code={1}`,
      );
      expect(callsIn(uri).map((c) => c.name)).toContain('listKeys');
    });

    it('deploys the action group only when alerts are enabled (the webhook key needs the code deployed)', () => {
      // Assess
      expect(moduleDeployment(arm, 'alerts').condition).toBe("[parameters('alertsEnabled')]");
    });

    it('alerts on DipAvailability below the threshold, per backend, to the action group', () => {
      // Prepare
      const [rule, ...others] = resourcesOfType(arm, 'Microsoft.Insights/metricAlerts');
      const criterion = rule?.resource.properties.criteria.allOf[0];
      const passed = rule?.deployment?.properties.parameters.actionGroupId.value as string;
      // Assess
      expect(others).toEqual([]);
      expect(criterion).toMatchObject({
        metricNamespace: 'Microsoft.Network/loadBalancers',
        metricName: 'DipAvailability',
        operator: 'LessThan',
        threshold: "[parameters('threshold')]",
        dimensions: [{ name: 'BackendIPAddress', operator: 'Include', values: ['*'] }],
      });
      expect(rule?.resource.properties.actions).toEqual([{ actionGroupId: "[parameters('actionGroupId')]" }]);
      expect(moduleOutputRead(parseArmExpression(passed))).toEqual({
        deployment: 'alerts',
        output: 'actionGroupId',
      });
      expect(moduleDeployment(arm, 'alerts').template.outputs?.actionGroupId?.value).toBe(
        "[resourceId('Microsoft.Insights/actionGroups', parameters('name'))]",
      );
    });
  });

  describe('the custom role', () => {
    const roleActionsFile = JSON.parse(read('infra/app/role-actions.json')) as Record<string, unknown>;
    const phases = Object.keys(roleActionsFile).filter((k) => !k.startsWith('$'));

    it('carries role-actions.json as it is (the lists test/infra/role.test.ts derives)', () => {
      // Prepare
      const role = moduleDeployment(arm, 'probe-doctor-role').template;
      const holder = referencesIn(parseArmExpression(role.variables?.roleActions as string))[0]?.replace(
        'variables:',
        '',
      );
      // Assess
      expect(role.variables?.[holder ?? '']).toEqual(roleActionsFile);
    });

    it('grants the diagnose phase always and every other phase behind its parameter', () => {
      // Prepare
      const role = moduleDeployment(arm, 'probe-doctor-role').template;
      const definition = onlyResource(role, 'Microsoft.Authorization/roleDefinitions').resource;
      const actions = parseArmExpression(role.variables?.actions as string);
      const conditional = callsIn(actions).filter((c) => c.name === 'if');
      // Assess
      expect(definition.properties.permissions).toEqual([
        { actions: "[variables('actions')]", notActions: [] },
      ]);
      expect(actions).toMatchObject({ kind: 'call', name: 'union' });
      expect(memberReadsOf(actions, 'roleActions').sort()).toEqual([...phases].sort());
      expect(conditional.flatMap((c) => memberReadsOf(c, 'roleActions')).sort()).toEqual(
        phases.filter((p) => p !== 'diagnose').sort(),
      );
    });
  });

  describe('the workbook', () => {
    it('is the workbook.json file, attached to the Application Insights component', async () => {
      // Prepare
      const workbook = moduleDeployment(arm, 'workbook');
      const resource = onlyResource(workbook.template, 'Microsoft.Insights/workbooks').resource;
      const data = referencesIn(parseArmExpression(resource.properties.serializedData as string))[0]?.replace(
        'variables:',
        '',
      );
      const passed = workbook.properties.parameters.applicationInsightsId.value as string;
      // Assess
      expect(resource.kind).toBe('shared');
      expect(resource.properties.version).toBe('Notebook/1.0');
      expect(workbook.template.variables?.[data ?? '']).toBe(
        await readFile(join(ROOT, 'infra', 'workbook.json'), 'utf8'),
      );
      expect(resource.properties.sourceId).toBe("[parameters('applicationInsightsId')]");
      expect(moduleOutputRead(parseArmExpression(passed))).toEqual({
        deployment: 'monitoring',
        output: 'applicationInsightsId',
      });
    });
  });
});
