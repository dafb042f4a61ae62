import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

/**
 * probe-doctor's own folder (where its package.json is). Found by walking up from this file, because
 * the code runs both from src/ (tests) and from dist/src/ (the built CLI), at different depths.
 */
export function projectRoot(): string {
  for (let dir = __dirname; ; dir = dirname(dir)) {
    const candidate = join(dir, 'package.json');
    if (existsSync(candidate)) {
      const pkg = JSON.parse(readFileSync(candidate, 'utf8')) as { name?: string };
      if (pkg.name === 'probe-doctor') return dir;
    }
    if (dirname(dir) === dir) throw new Error(`cannot find probe-doctor's package.json above ${__dirname}`);
  }
}

/** probe-doctor's version from package.json. */
export function packageVersion(): string {
  const pkg = JSON.parse(readFileSync(join(projectRoot(), 'package.json'), 'utf8')) as { version?: string };
  return pkg.version ?? '0.0.0';
}
