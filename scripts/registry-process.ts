/**
 * Process-wide settings for a CLI process whose job is talking to a registry (push, pull, inspect).
 *
 * Node's fetch parses HTTP with a WebAssembly build of llhttp, and V8's optimizing wasm compiler adds
 * about 30 MiB to the peak RSS of a process that only moves a few requests (measured with Node 20: 85 MiB
 * for ten local fetches, 56 MiB with the baseline compiler alone). A registry command runs no filter
 * code worth optimizing, so it asks V8 for the baseline compiler only. V8 flags are process-wide: never
 * for `run` (its filters must run at full speed) or for code that tests call in their own process.
 */
import { setFlagsFromString } from "node:v8";

const REGISTRY_COMMANDS = new Set(["push", "pull", "inspect"]);

export function tuneForRegistryCommand(argv: readonly string[]): void {
  if (REGISTRY_COMMANDS.has(argv[0] ?? "")) setFlagsFromString("--liftoff-only");
}
