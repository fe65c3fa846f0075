import fs from 'node:fs';
import path from 'node:path';
import { packageRoot } from '../pipeline/index.js';

export function readPackageVersion(): string {
  return (JSON.parse(fs.readFileSync(path.join(packageRoot(), 'package.json'), 'utf8')) as { version: string }).version;
}
