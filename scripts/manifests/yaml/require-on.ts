/**
 * The CLI is bundled by esbuild as ESM, and the `yaml` package's Node build is CommonJS that calls
 * `require("process")`; esbuild's ESM output can only serve that through a global `require`. This module
 * provides one while `yaml` initialises (see ../yaml.ts); `require-off.ts` removes it again. Under tsx/Node
 * (tests) `yaml` loads natively and this is a no-op. If the build ever gets a createRequire banner, drop both.
 */
import { createRequire } from "node:module";

const scope = globalThis as { require?: unknown; __proxyWasmYamlRequire?: boolean };
if (typeof scope.require === "undefined") {
  scope.require = createRequire(import.meta.url);
  scope.__proxyWasmYamlRequire = true;
}
