// The build entry's import path for an HTTP filter's callbacks (kept stable; see ../callbacks):
//   export * from "proxy-wasm-assemblyscript/assembly/abi/http-filter-exports";
export * from "../callbacks/http-filter-exports";
