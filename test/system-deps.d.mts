export interface Program {
  program: string;
  pkg: string;
  also?: string[];
  why: string;
}
export const PROGRAMS: Program[];
export type Plan =
  | { action: 'none'; missing: [] }
  | { action: 'install'; missing: Program[]; pkgs: string[]; steps: string[][] }
  | { action: 'stop'; missing: Program[]; pkgs: string[]; command: string };
export function decide(input: { found: (p: Program) => boolean; root: boolean; hasAptGet: boolean }): Plan;
export function onPath(program: string, env?: { PATH?: string }): string | undefined;
