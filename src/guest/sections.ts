/**
 * The guest scripts print each command's output between `=== name ===` and `=== end ===`, so the parser
 * can tell which tool printed what, and which sections Azure's 4096-byte cut removed.
 */

/** Section names, in the order the scripts print them: the largest and least decisive first, because
 * Azure keeps only the last 4096 bytes and cuts from the front. */
export const SECTIONS = {
  iptables: 'iptables',
  nft: 'nft',
  firewalld: 'firewalld',
  ufw: 'ufw',
  winfwProfile: 'winfw-profile',
  winfwRules: 'winfw-rules',
  addr: 'ip-addr',
  route: 'route',
  sysctl: 'sysctl',
  listen: 'listen',
  http: 'http',
  peerTest: 'peer-test',
} as const;

export type SectionName = (typeof SECTIONS)[keyof typeof SECTIONS];

export const sectionStart = (name: string): string => `=== ${name} ===`;
export const SECTION_END = '=== end ===';

/** Sections found in the output, by name; `cut` names a section whose start marker was cut off. */
export interface SplitSections {
  sections: Map<string, string>;
  /** Text before the first start marker that ends with an end marker: a section cut by truncation. */
  cut?: string;
}

/** Splits script output into sections. A missing end marker (a hung command) keeps what was printed. */
export function splitSections(stdout: string): SplitSections {
  const sections = new Map<string, string>();
  const lines = stdout.replace(/\r\n/g, '\n').split('\n');
  let current: string | undefined;
  let body: string[] = [];
  const preamble: string[] = [];
  let sawStart = false;
  let cut: string | undefined;
  for (const line of lines) {
    const start = /^=== ([a-z0-9-]+) ===$/.exec(line);
    if (start && start[1] !== 'end') {
      if (current !== undefined) sections.set(current, body.join('\n'));
      current = start[1];
      body = [];
      sawStart = true;
      continue;
    }
    if (line === SECTION_END) {
      if (current !== undefined) sections.set(current, body.join('\n'));
      else if (!sawStart && preamble.length > 0) cut = preamble.join('\n');
      current = undefined;
      body = [];
      continue;
    }
    if (current !== undefined) body.push(line);
    else if (!sawStart) preamble.push(line);
  }
  if (current !== undefined) sections.set(current, body.join('\n'));
  return cut === undefined ? { sections } : { sections, cut };
}
