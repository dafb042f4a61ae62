/**
 * The report's formats: `text` for a terminal, `json` (the Report itself), `markdown` to paste,
 * `html` with the probe's path drawn. One pure function per format, all over the same facts.
 */
import { InvalidInputError } from '../errors';
import type { Report } from '../model/report';
import type { RenderContext } from './facts';
import { renderHtml } from './html';
import { renderJson } from './json';
import { renderMarkdown } from './markdown';
import { renderText } from './text';

export type { RenderContext } from './facts';

export const REPORT_FORMATS = ['text', 'json', 'markdown', 'html'] as const;
export type ReportFormat = (typeof REPORT_FORMATS)[number];

/** Checks a `--format` value. @throws InvalidInputError naming the allowed formats. */
export function parseReportFormat(value: string, option = '--format'): ReportFormat {
  const format = value.trim().toLowerCase();
  if ((REPORT_FORMATS as readonly string[]).includes(format)) return format as ReportFormat;
  throw new InvalidInputError(
    `${option} must be one of ${REPORT_FORMATS.join(', ')}, got '${value}'`,
    option,
  );
}

/** Renders the report in a format. */
export function renderReport(format: ReportFormat, report: Report, ctx: RenderContext = {}): string {
  switch (format) {
    case 'json':
      return renderJson(report);
    case 'markdown':
      return renderMarkdown(report, ctx);
    case 'html':
      return renderHtml(report, ctx);
    case 'text':
      return renderText(report, ctx);
  }
}
