import * as prompts from '@clack/prompts';

/** The user pressed Ctrl-C (or Escape) at a prompt. */
export class Cancelled extends Error {
  constructor() {
    super('cancelled');
    this.name = 'Cancelled';
  }
}

function answered<T>(value: T): Exclude<T, symbol> {
  if (prompts.isCancel(value)) throw new Cancelled();
  return value as Exclude<T, symbol>;
}

/**
 * A terminal that reports 0 columns (a pseudo-terminal never given a size, some CI consoles)
 * would make clack wrap every line at width 0: one character per line.
 */
function ensureWidth(): void {
  const out = process.stdout as { columns?: number };
  if (!(typeof out.columns === 'number' && out.columns > 0)) out.columns = Number(process.env.COLUMNS) || 80;
}

/** Prompts on the terminal; every question rejects with `Cancelled` on Ctrl-C. */
export const ask = {
  async text(message: string, options: { initialValue?: string; placeholder?: string; validate?: (value: string) => string | undefined }) {
    ensureWidth();
    return answered(
      await prompts.text({
        message,
        initialValue: options.initialValue,
        placeholder: options.placeholder,
        defaultValue: options.placeholder,
        validate: options.validate ? (value) => options.validate!(value ?? '') : undefined,
      }),
    ).trim();
  },
  async select<T extends string>(message: string, options: Array<{ value: T; label: string; hint?: string }>, initialValue?: T) {
    ensureWidth();
    // clack's option type is conditional on T; the cast keeps this wrapper's signature simple.
    return answered(await prompts.select<T>({ message, options: options as never, initialValue }));
  },
  async confirm(message: string, initialValue = true) {
    ensureWidth();
    return answered(await prompts.confirm({ message, initialValue }));
  },
};
