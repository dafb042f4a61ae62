/**
 * The suite runs on the Node.js major the infrastructure deploys: package.json pins `node` (the npm
 * package that carries the Node.js binary) as a devDependency, so npm scripts resolve `node` — and
 * jest — to it whatever node the machine has.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..');
const read = (path: string) => readFileSync(join(ROOT, path), 'utf8');

/** The Node.js major the Flex Consumption app is deployed with (functionAppConfig.runtime.version). */
function deployedNodeMajor(): number {
  const match = /runtime:\s*\{\s*name:\s*'node'\s+version:\s*'(\d+)'/.exec(read('infra/app/function.bicep'));
  if (!match) throw new Error('infra/app/function.bicep: no functionAppConfig.runtime for node');
  return Number(match[1]);
}

describe('Node.js runtime', () => {
  it('runs the tests on the Node.js major the infra deploys', () => {
    // Prepare
    const deployed = deployedNodeMajor();
    // Act
    const running = Number(process.versions.node.split('.')[0]);
    // Assess
    expect({ running, deployed }).toEqual({ running: deployed, deployed });
  });

  it('pins the node package, engines and @types/node to the deployed major', () => {
    // Prepare
    const deployed = deployedNodeMajor();
    const pkg = JSON.parse(read('package.json')) as {
      engines: { node: string };
      devDependencies: Record<string, string>;
    };
    // Assess
    expect(pkg.devDependencies['node']?.split('.')[0]).toBe(String(deployed));
    expect(pkg.devDependencies['@types/node']?.split('.')[0]).toBe(String(deployed));
    expect(pkg.engines.node).toBe(`>=${deployed}`);
  });
});
