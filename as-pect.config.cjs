// as-pect 8 configuration for the SDK specs in tests/assembly (`npm run test:as`).
// Each spec module gets a fresh fake host (tests/assembly/mock-host.cjs) for its `env.proxy_*`
// imports and the specs' `mock.*` control imports; as-pect adds its own (`__aspect`, `rtrace`,
// `env.abort`, `env.trace`).
const { MockHost } = require("./tests/assembly/mock-host.cjs");

// Compiler options live beside the specs: npm run test:as passes --as-config tests/assembly/as-pect.asconfig.json.

module.exports = {
  entries: ["tests/assembly/**/*.spec.ts"],
  include: [],
  disclude: [/node_modules/],
  async instantiate(memory, createImports, instantiate, binary) {
    const host = new MockHost(binary);
    const imports = createImports({ env: host.envImports(), mock: host.controlImports() });
    host.watchAllocations(imports.rtrace);
    const result = await instantiate(binary, imports);
    host.attach(result.instance.exports);
    return result;
  },
  outputBinary: false,
};
