// The build entry's import path for every callback (kept stable; the callbacks live in ../callbacks):
//   export * from "proxy-wasm-assemblyscript/assembly/abi/exports";
export * from "../callbacks/exports";
