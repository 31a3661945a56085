import validate from 'validate-npm-package-name';

export type NameCheck = { ok: true } | { ok: false; reason: string };

export function checkPackageName(name: string): NameCheck {
  const result = validate(name);
  if (result.validForNewPackages) return { ok: true };
  const reasons = [...(result.errors ?? []), ...(result.warnings ?? [])];
  return { ok: false, reason: reasons.join('; ') || 'not a valid npm package name' };
}

/**
 * The nearest valid name to a folder name, as create-vite does it: "My Server!" → "my-server".
 * The result may still be invalid (e.g. "http", a core module name); check it.
 */
export function toPackageName(folderName: string): string {
  return folderName
    .trim()
    .toLowerCase()
    // "é" → "e" rather than "-": split letters from their accents, then drop the accents.
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/\s+/g, '-')
    .replace(/^[._]+/, '')
    .replace(/[^a-z0-9\-~]+/g, '-')
    .replace(/-+/g, '-')
    .replace(/^-|-$/g, '');
}
