/**
 * The Envoy HTTP filter entry that loads a Proxy-Wasm module from a local file
 * (`envoy.extensions.filters.http.wasm.v3.Wasm`), shared by the EnvoyFilter and the Envoy bootstrap.
 * Field names are Envoy's proto names (snake_case), as in Envoy's docs and the seed articles.
 */
import {
  STRING_VALUE_TYPE,
  WASM_FILTER_NAME,
  WASM_FILTER_TYPE,
  WASM_RUNTIME_V8,
  type FailStrategy,
  type PluginConfig,
} from "./types.ts";

export interface WasmFilterOptions {
  /** `config.name` (shows up in Envoy's logs and stats). */
  name: string;
  rootId: string;
  vmId: string;
  /** Path of the module inside the proxy's filesystem. */
  filename: string;
  config?: PluginConfig;
  failStrategy: FailStrategy;
}

/** The configuration string the plugin receives: a JSON object exactly as given (no number rounded). */
export function configurationString(config: PluginConfig): string {
  return config.type === "json" ? config.text : config.value;
}

/** `{ name: envoy.filters.http.wasm, typed_config: { '@type': ...Wasm, config: PluginConfig } }`. */
export function wasmHttpFilter(options: WasmFilterOptions): Record<string, unknown> {
  const pluginConfig: Record<string, unknown> = {
    name: options.name,
    root_id: options.rootId,
    vm_config: {
      vm_id: options.vmId,
      runtime: WASM_RUNTIME_V8,
      code: { local: { filename: options.filename } },
      allow_precompiled: true,
    },
  };
  if (options.config !== undefined) {
    pluginConfig.configuration = { "@type": STRING_VALUE_TYPE, value: configurationString(options.config) };
  }
  pluginConfig.fail_open = options.failStrategy === "FAIL_OPEN";
  return {
    name: WASM_FILTER_NAME,
    typed_config: { "@type": WASM_FILTER_TYPE, config: pluginConfig },
  };
}
