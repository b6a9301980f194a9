// What Envoy (proxy-wasm-cpp-host) links and calls for an ABI 0.2.1 module, as wasm signatures written
// "params->results", derived from the ABI table (scripts/host/abi-table.ts). A module built with our SDK
// may import only these host functions and export only these functions, each with exactly this type.

import { arrowSignature, hasAbi, hostFunctionRows, moduleFunctionRows } from "../../scripts/host/abi-table.ts";

/** env.proxy_* host functions of ABI 0.2.1 (no 0.1.0-only imports such as proxy_get_configuration). */
export const HOST_FUNCTIONS: Record<string, string> = Object.fromEntries(
  hostFunctionRows()
    .filter(([name, row]) => name.startsWith("proxy_") && (row.module ?? "env") === "env" && hasAbi(row, "0.2.1"))
    .map(([name]) => [name, arrowSignature(name)]),
);

/** AssemblyScript's default imports, which Envoy never provides (docs/abi.md §7 A1). */
export const FORBIDDEN_IMPORTS = ["abort", "seed", "Date.now", "trace"];

/** Callbacks cpp-host looks up, with the types it insists on ("Bad function signature" otherwise). */
export const CALLBACKS: Record<string, string> = Object.fromEntries(
  moduleFunctionRows()
    .filter(([, row]) => row.role === "callback" && hasAbi(row, "0.2.1"))
    .map(([name]) => [name, arrowSignature(name)]),
);

/** The other function exports our modules have (ABI marker, allocators, _initialize), with their types. */
export const MODULE_FUNCTIONS: Record<string, string> = Object.fromEntries(
  moduleFunctionRows()
    .filter(([, row]) => row.role !== "callback" && row.sdk !== false && hasAbi(row, "0.2.1"))
    .map(([name]) => [name, arrowSignature(name)]),
);
