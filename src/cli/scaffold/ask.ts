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

/** Prompts on the terminal; every question rejects with `Cancelled` on Ctrl-C. */
export const ask = {
  async text(message: string, options: { initialValue?: string; placeholder?: string; validate?: (value: string) => string | undefined }) {
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
    // clack's option type is conditional on T; the cast keeps this wrapper's signature simple.
    return answered(await prompts.select<T>({ message, options: options as never, initialValue }));
  },
  async confirm(message: string, initialValue = true) {
    return answered(await prompts.confirm({ message, initialValue }));
  },
};
