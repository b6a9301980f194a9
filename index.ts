// The package's AssemblyScript entry. asc (0.27/0.28) resolves `import { RootContext } from
// "proxy-wasm-assemblyscript"` to node_modules/proxy-wasm-assemblyscript/index.ts, and subpaths such as
// "proxy-wasm-assemblyscript/assembly/abi/http-filter-exports" to the files themselves. No side effects.
export * from "./assembly/index";
