/**
 * The readable form of a report at a terminal. The renderers live in src/report/ (one per format);
 * this keeps the CLI's name for the text one.
 */
import type { Report } from '../model/report';
import type { RenderContext } from '../report/facts';
import { renderText } from '../report/text';

/** Formats the report for a person at a terminal (src/report/text.ts). */
export function formatSummary(report: Report, ctx: RenderContext = {}): string {
  return renderText(report, ctx);
}
