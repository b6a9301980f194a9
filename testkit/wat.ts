// Compiles WebAssembly text with wabt (npm), so conformance probes are small hand-written modules.

import wabtInit from "wabt";

let wabt: Awaited<ReturnType<typeof wabtInit>> | null = null;

export async function wat(source: string): Promise<Uint8Array> {
  wabt ??= await wabtInit();
  const module = wabt.parseWat("probe.wat", source, { mutable_globals: true, sign_extension: true, bulk_memory: true });
  try {
    module.resolveNames();
    module.validate();
    return module.toBinary({ log: false, write_debug_names: true }).buffer;
  } finally {
    module.destroy();
  }
}
