import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

/**
 * probe-doctor's version from package.json. Found by walking up from this file, because the file
 * runs both from src/ (tests) and from dist/src/ (the built CLI), at different depths.
 */
export function packageVersion(): string {
  for (let dir = __dirname; ; dir = dirname(dir)) {
    const candidate = join(dir, 'package.json');
    if (existsSync(candidate)) {
      const pkg = JSON.parse(readFileSync(candidate, 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'probe-doctor' && pkg.version) return pkg.version;
    }
    if (dirname(dir) === dir) return '0.0.0';
  }
}
