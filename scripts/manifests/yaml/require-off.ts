/** Removes the temporary global `require` set by require-on.ts (only if that module set it). */
const scope = globalThis as { require?: unknown; __proxyWasmYamlRequire?: boolean };
if (scope.__proxyWasmYamlRequire) {
  delete scope.require;
  delete scope.__proxyWasmYamlRequire;
}
