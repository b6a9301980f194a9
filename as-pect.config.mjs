// as-pect 8 configuration for the SDK specs in tests/assembly (`npm run test:as`). Each spec module gets
// a fresh host: the emulator's own host functions for its `env` imports (HostFunctionHarness, through
// tests/assembly/spec-host.ts) and the specs' `host.*` control imports; as-pect adds its own (`__aspect`,
// `rtrace`, `env.abort`, `env.trace`). Compiler options live beside the specs: npm run test:as passes
// --as-config tests/assembly/as-pect.asconfig.json.
import { register } from "tsx/esm/api";

register();
const { SpecHost } = await import("./tests/assembly/spec-host.ts");

export default {
  entries: ["tests/assembly/**/*.spec.ts"],
  include: [],
  disclude: [/node_modules/],
  async instantiate(memory, createImports, instantiate, binary) {
    const host = new SpecHost(binary);
    const imports = createImports(host.imports());
    host.watchAllocations(imports.rtrace);
    const result = await instantiate(binary, imports);
    host.attach(result.instance.exports);
    return result;
  },
  outputBinary: false,
};
