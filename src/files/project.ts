import { existsSync } from 'node:fs';
import path from 'node:path';

/** The nearest folder at or above `dir` with a package.json: where `npm install` puts packages a file there can import. */
export function nearestProject(dir: string): string | undefined {
  for (let at = path.resolve(dir); ; at = path.dirname(at)) {
    if (existsSync(path.join(at, 'package.json'))) return at;
    if (path.dirname(at) === at) return undefined;
  }
}
