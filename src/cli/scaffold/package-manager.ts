export type PackageManager = 'npm' | 'pnpm' | 'yarn' | 'bun';

/** The manager that ran us (`npx`, `pnpm dlx`, `yarn dlx`, `bunx` set npm_config_user_agent), else npm. */
export function detectPackageManager(userAgent = process.env.npm_config_user_agent ?? ''): PackageManager {
  const name = userAgent.split('/')[0];
  return name === 'pnpm' || name === 'yarn' || name === 'bun' ? name : 'npm';
}

/** How to run a package.json script: `npm run dev`, `pnpm dev`, … */
export function runScript(pm: PackageManager, script: string): string {
  if (pm === 'npm') return script === 'test' || script === 'start' ? `npm ${script}` : `npm run ${script}`;
  return `${pm} ${script}`;
}
