import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** Reads a real capture from test/fixtures/guest/ (see its README for OS, version and source). */
export const fixture = (path: string): string =>
  readFileSync(join(__dirname, '../../fixtures/guest', path), 'utf8');
