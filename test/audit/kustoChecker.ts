/**
 * Microsoft's Kusto language service (@kusto/language-service-next) loaded in Node, with the
 * Application Insights `customEvents` table declared, so queries are parsed AND bound: a misspelled
 * table, column or function is a diagnostic, not only a syntax error (notes/app-insights-local.md).
 */
/* eslint-disable @typescript-eslint/no-require-imports, @typescript-eslint/no-unsafe-call,
   @typescript-eslint/no-explicit-any -- the package is a Bridge.NET bundle that installs globals */

/** The columns of Application Insights' classic `customEvents` table and their Kusto types. */
export const CUSTOM_EVENTS_COLUMNS: readonly [string, 'datetime' | 'string' | 'dynamic' | 'int'][] = [
  ['timestamp', 'datetime'],
  ['name', 'string'],
  ['itemType', 'string'],
  ['customDimensions', 'dynamic'],
  ['customMeasurements', 'dynamic'],
  ['operation_Name', 'string'],
  ['operation_Id', 'string'],
  ['operation_ParentId', 'string'],
  ['operation_SyntheticSource', 'string'],
  ['session_Id', 'string'],
  ['user_Id', 'string'],
  ['user_AuthenticatedId', 'string'],
  ['user_AccountId', 'string'],
  ['application_Version', 'string'],
  ['client_Type', 'string'],
  ['client_Model', 'string'],
  ['client_OS', 'string'],
  ['client_IP', 'string'],
  ['client_City', 'string'],
  ['client_StateOrProvince', 'string'],
  ['client_CountryOrRegion', 'string'],
  ['client_Browser', 'string'],
  ['cloud_RoleName', 'string'],
  ['cloud_RoleInstance', 'string'],
  ['appId', 'string'],
  ['appName', 'string'],
  ['iKey', 'string'],
  ['sdkVersion', 'string'],
  ['itemId', 'string'],
  ['itemCount', 'int'],
];

export interface KqlDiagnostic {
  severity: string;
  message: string;
  start: number;
}

export type KqlChecker = (query: string) => KqlDiagnostic[];

let checker: KqlChecker | undefined;
let language: any;
let globals: any;

/** Microsoft's `Kusto.Language` namespace, loaded once (about a second). */
export function kustoLanguage(): any {
  if (language) return language;
  const g = globalThis as Record<string, any>;
  g.Bridge = require('@kusto/language-service-next/bridge.min.js');
  require('@kusto/language-service-next/Kusto.Language.Bridge.min.js');
  language = g.Kusto.Language;
  return language;
}

/** The language service's global state with a database holding the `customEvents` table. */
export function kustoGlobals(): any {
  if (globals) return globals;
  const K = kustoLanguage();
  const S = K.Symbols;
  const types: Record<string, unknown> = {
    datetime: S.ScalarTypes.DateTime,
    string: S.ScalarTypes.String,
    dynamic: S.ScalarTypes.Dynamic,
    int: S.ScalarTypes.Int,
  };
  const table = new S.TableSymbol.$ctor4(
    'customEvents',
    CUSTOM_EVENTS_COLUMNS.map(([name, type]): unknown => new S.ColumnSymbol(name, types[type]) as unknown),
  );
  globals = K.GlobalState.Default.WithDatabase(new S.DatabaseSymbol.$ctor1('appinsights', [table]));
  return globals;
}

/** Loads the language service once and returns a checker bound to customEvents. */
export function kqlChecker(): KqlChecker {
  if (checker) return checker;
  const K = kustoLanguage();
  const bound = kustoGlobals();
  checker = (query) => {
    const diagnostics: {
      Count: number;
      getItem(i: number): { Severity: unknown; Message: unknown; Start: unknown };
    } = K.KustoCode.ParseAndAnalyze(query, bound).GetDiagnostics();
    const out: KqlDiagnostic[] = [];
    for (let i = 0; i < diagnostics.Count; i++) {
      const d = diagnostics.getItem(i);
      out.push({ severity: String(d.Severity), message: String(d.Message), start: Number(d.Start) });
    }
    return out;
  };
  return checker;
}
