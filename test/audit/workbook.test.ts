import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..');
const QUERY_DIR = join(ROOT, 'infra', 'queries');

interface WorkbookItem {
  type: number;
  name: string;
  content: {
    version?: string;
    query?: string;
    parameters?: { name: string }[];
    timeContextFromParameter?: string;
  };
}
interface Workbook {
  version: string;
  items: WorkbookItem[];
}

describe('infra/workbook.json', () => {
  const workbook = JSON.parse(readFileSync(join(ROOT, 'infra', 'workbook.json'), 'utf8')) as Workbook;
  const queryItems = workbook.items.filter((i) => i.type === 3);
  const files = readdirSync(QUERY_DIR).filter((f) => f.endsWith('.kql'));

  it('is a workbook document', () => {
    expect(workbook.version).toBe('Notebook/1.0');
    expect(queryItems.every((i) => i.content.version === 'KqlItem/1.0')).toBe(true);
  });

  it.each(files)('shows %s with exactly the text of the file', (file) => {
    // Prepare
    const text = readFileSync(join(QUERY_DIR, file), 'utf8');

    // Act
    const shown = queryItems.filter((i) => i.content.query === text);

    // Assess
    expect(shown).toHaveLength(1);
  });

  it('has no query that is not one of the files', () => {
    // Prepare
    const texts = new Set(files.map((f) => readFileSync(join(QUERY_DIR, f), 'utf8')));

    // Act
    const strays = queryItems.filter((i) => !texts.has(i.content.query ?? '')).map((i) => i.name);

    // Assess
    expect(strays).toEqual([]);
  });

  it('declares every parameter its queries and time ranges use', () => {
    // Prepare
    const declared = workbook.items.flatMap((i) =>
      i.type === 9 ? (i.content.parameters ?? []).map((p) => p.name) : [],
    );

    // Act
    const used = new Set(
      queryItems.flatMap((i) => [
        ...[...(i.content.query ?? '').matchAll(/\{(\w+)(?::[^}]*)?\}/g)].map((m) => m[1]!),
        ...(i.content.timeContextFromParameter ? [i.content.timeContextFromParameter] : []),
      ]),
    );

    // Assess
    expect([...used].sort()).toEqual(['RunId', 'TimeRange']);
    for (const name of used) expect(declared).toContain(name);
  });
});
