/**
 * The manifests library's one error type. Every refusal is bad input (a CLI exits 2): an option the kind
 * cannot express, an invalid name, an artifact the target cannot load, a configuration the filter rejects.
 * Messages name options through an `OptionNamer`, so the library says `pullSecret` and the CLI, which
 * renders the same error with its flag names, says `--pull-secret`.
 */
import type { OptionName } from "./options.ts";

/** How an option is called where the error is shown. */
export type OptionNamer = (option: OptionName) => string;

/** Library names: the option object's keys (`example` is the example name). */
export const optionKey: OptionNamer = (option) => option;

export class ManifestError extends Error {
  private readonly text: (name: OptionNamer) => string;

  /** `text` builds the one-line message, naming options with the namer it is given. */
  constructor(text: (name: OptionNamer) => string) {
    super(text(optionKey));
    this.name = "ManifestError";
    this.text = text;
  }

  /** The message with options named by `name` (e.g. as command-line flags). */
  describe(name: OptionNamer): string {
    return this.text(name);
  }
}

/** Text from outside (a name, a path, a reference), quoted and escaped for a message. */
export function quote(text: string): string {
  return JSON.stringify(text);
}
