import * as prompts from '@clack/prompts';

/** Where `init` tells the user what it did: clack's framed log on a terminal, plain lines otherwise. */
export interface Reporter {
  start(title: string): void;
  step(message: string): void;
  warn(message: string): void;
  note(title: string, body: string): void;
  done(message: string): void;
  cancelled(message: string): void;
}

export function createReporter(interactive: boolean): Reporter {
  if (interactive) {
    return {
      start: (title) => prompts.intro(title),
      step: (message) => prompts.log.step(message),
      warn: (message) => prompts.log.warn(message),
      note: (title, body) => prompts.note(body, title),
      done: (message) => prompts.outro(message),
      cancelled: (message) => prompts.cancel(message),
    };
  }
  const out = (line: string) => process.stdout.write(`${line}\n`);
  return {
    start: (title) => out(title),
    step: (message) => out(`- ${message}`),
    warn: (message) => process.stderr.write(`warning: ${message}\n`),
    note: (title, body) => out(`\n${title}\n${body.replace(/^/gm, '  ')}\n`),
    done: (message) => out(message),
    cancelled: (message) => process.stderr.write(`${message}\n`),
  };
}
