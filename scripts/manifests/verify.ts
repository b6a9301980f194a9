/**
 * Running the module with the plugin configuration before anything is emitted: the emulator
 * (scripts/host) starts it as Envoy would (link checks, _initialize, vm start, configure with the root id).
 * A filter that rejects the configuration (onConfigure false) or a VM that fails would deny every
 * request of the workload under FAIL_CLOSE, so the library refuses instead, with the filter's own reason.
 */
import { ProxyWasmHost } from "../host/index.ts";
import { ManifestError, quote } from "./errors.ts";
import type { ManifestInput, ManifestKind, PluginConfig } from "./types.ts";
import { configurationString } from "./wasm-filter.ts";

/** A configure that runs longer than this is a filter that would stall Envoy's configuration too. */
const CALLBACK_TIMEOUT_MS = 5_000;
/** Log lines kept from the run (a chatty filter must not grow memory). */
const RETAINED_LOGS = 64;

/** What the plugin reads in proxy_on_configure: Istio sends WasmPlugin.pluginConfig (a Struct) re-encoded as JSON. */
function configurationFor(kind: ManifestKind, config: PluginConfig | undefined): string {
  if (config === undefined) return "";
  return kind === "wasmplugin" && config.type === "json" ? JSON.stringify(config.value) : configurationString(config);
}

/** Starts `wasm` with the input's root id, vm id and configuration; refuses when it does not configure. */
export async function verifyConfiguration(kind: ManifestKind, wasm: Uint8Array, input: ManifestInput, module: string): Promise<void> {
  const host = await ProxyWasmHost.start({
    wasm,
    rootId: input.rootId,
    vmId: input.vmId,
    pluginName: input.name,
    pluginConfiguration: configurationFor(kind, input.config),
    callbackTimeoutMs: CALLBACK_TIMEOUT_MS,
    retainLogs: RETAINED_LOGS,
  });
  try {
    if (host.failState === "Ok" && host.configured) return;
    const critical = host.logs("critical")[0] ?? host.logs("error")[0];
    const given = input.config !== undefined ? "its configuration" : "an empty configuration";
    if (host.failState === "ConfigureFailed") {
      const line = critical !== undefined ? `: ${quote(critical)}` : "";
      throw new ManifestError(
        (n) => `${module} rejects ${given} (onConfigure returned false)${line}; fix ${n("config")}, or skip this check (${n("verifyConfig")})`,
      );
    }
    const reason = quote((critical ?? host.failMessage).split("\n")[0]!);
    throw new ManifestError(
      (n) => `${module} does not start in the emulator (${host.failState}: ${reason}), nor would it in Envoy; skip this check (${n("verifyConfig")}) only if you know better`,
    );
  } finally {
    host.shutdown();
  }
}
