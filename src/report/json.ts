/**
 * The report as JSON: the Report itself (the stable contract scripts read), unchanged, pretty-printed.
 * `--json` and `--format json` print exactly this.
 */
import type { Report } from '../model/report';

/** Renders the report as JSON text ending in a newline. */
export function renderJson(report: Report): string {
  return `${JSON.stringify(report, null, 2)}\n`;
}
