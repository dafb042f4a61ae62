/**
 * One guest check answers every distinct probe of a backend (src/guest/scripts: the first probe's local
 * GET in section `http`, the n-th other's in `http-<n>`, n from 2). The parsers read one probe's
 * output; this gives each probe its own view of the same output: the shared sections (firewall,
 * listeners, routes) as printed, and its own local GET as section `http`.
 */
import { SECTIONS, SECTION_END, sectionStart } from './sections';

const HTTP_SECTION = new RegExp(`^=== ${SECTIONS.http}(-(\\d+))? ===$`);

/**
 * The output as the parser of probe `n` (1 = the first probe) must see it: every `http*` section but
 * probe `n`'s is dropped, and probe `n`'s is named `http`. A probe without a local GET (TCP) sees none.
 */
export function outputForProbe(stdout: string, n: number): string {
  const out: string[] = [];
  let dropping = false;
  for (const line of stdout.replace(/\r\n/g, '\n').split('\n')) {
    const http = HTTP_SECTION.exec(line);
    if (http) {
      const index = http[2] === undefined ? 1 : Number(http[2]);
      dropping = index !== n;
      if (!dropping) out.push(sectionStart(SECTIONS.http));
      continue;
    }
    if (dropping) {
      // A section ends at its end marker; a new start marker (a cut or hung section) ends it too.
      if (line === SECTION_END) dropping = false;
      else if (/^=== [a-z0-9-]+ ===$/.test(line)) {
        dropping = false;
        out.push(line);
      }
      continue;
    }
    out.push(line);
  }
  return out.join('\n');
}
