/**
 * A compiler transform that leaves out the exports of callbacks no context class overrides: the
 * stream callbacks, and the root's on_tick.
 *
 * Envoy (proxy-wasm-cpp-host's context.cc) does not call a callback the module does not export and
 * then does what the SDK's default method does: Continue for headers, bodies and trailers and for a
 * new TCP connection, nothing for on_log, on_tick and the connection-close callbacks, "done" for
 * on_done. So leaving an export out changes nothing but the cost: each call into the VM costs more
 * than the callback itself (in an interpreter about as much as the rest of a simple filter's stream).
 * on_vm_start and on_configure always stay: with no root for the plugin's root id, they fail it.
 *
 * Which methods a filter overrides is read from the program's classes before compilation: a callback
 * stays exported when any class that extends the SDK class declaring the method (at any depth) declares
 * a member of that name. When something is not as expected (an SDK class not found, another compiler's
 * internals, an export that is not the SDK's function), every export stays.
 */

/** Each prunable callback: the SDK's export and the methods (SDK class, name) that it dispatches to. */
const CALLBACKS: Record<string, { file: string; methods: [string, string][] }> = {
  proxy_on_request_headers: { file: "http", methods: [["HttpContext", "onRequestHeaders"]] },
  proxy_on_request_body: { file: "http", methods: [["HttpContext", "onRequestBody"]] },
  proxy_on_request_trailers: { file: "http", methods: [["HttpContext", "onRequestTrailers"]] },
  proxy_on_response_headers: { file: "http", methods: [["HttpContext", "onResponseHeaders"]] },
  proxy_on_response_body: { file: "http", methods: [["HttpContext", "onResponseBody"]] },
  proxy_on_response_trailers: { file: "http", methods: [["HttpContext", "onResponseTrailers"]] },
  proxy_on_new_connection: { file: "tcp", methods: [["TcpContext", "onNewConnection"]] },
  proxy_on_downstream_data: { file: "tcp", methods: [["TcpContext", "onDownstreamData"]] },
  proxy_on_upstream_data: { file: "tcp", methods: [["TcpContext", "onUpstreamData"]] },
  proxy_on_downstream_connection_close: { file: "tcp", methods: [["TcpContext", "onDownstreamConnectionClose"]] },
  proxy_on_upstream_connection_close: { file: "tcp", methods: [["TcpContext", "onUpstreamConnectionClose"]] },
  proxy_on_log: { file: "lifecycle", methods: [["StreamContext", "onLog"]] },
  proxy_on_done: { file: "lifecycle", methods: [["StreamContext", "onDone"], ["RootContext", "onDone"]] },
  proxy_on_tick: { file: "timers", methods: [["RootContext", "onTick"]] },
};

/** The SDK classes by name, as the end of their internal names (which start with ~lib/<package>/ when installed). */
const SDK_CLASSES: Record<string, string> = {
  StreamContext: "assembly/stream-context/StreamContext",
  HttpContext: "assembly/http-context/HttpContext",
  TcpContext: "assembly/tcp-context/TcpContext",
  RootContext: "assembly/root-context/RootContext",
};

/** What the transform reads of AssemblyScript's program elements (asc's internals, hence the checks). */
interface Element {
  internalName?: unknown;
  members?: Map<string, Element> | null;
  instanceMembers?: Map<string, unknown> | null;
  basePrototype?: Element | null;
}

function isClassPrototype(element: Element): boolean {
  return "basePrototype" in element && typeof element.internalName === "string";
}

/** Every class prototype of the program, from its files and namespaces. */
function classPrototypes(program: { filesByName?: Map<string, Element> }): Set<Element> {
  const found = new Set<Element>();
  const seen = new Set<Element>();
  const visit = (element: Element) => {
    if (seen.has(element)) return;
    seen.add(element);
    if (isClassPrototype(element)) found.add(element);
    else element.members?.forEach(visit);
  };
  program.filesByName?.forEach(visit);
  return found;
}

function endsWithPath(internalName: string, path: string): boolean {
  return internalName === path || internalName.endsWith(`/${path}`);
}

/** The callbacks whose methods no class overrides, or none when the program is not as expected. */
export function unusedCallbacks(program: unknown): string[] {
  const classes = classPrototypes(program as { filesByName?: Map<string, Element> });
  const sdk = new Map<string, Element>();
  for (const element of classes) {
    for (const [name, path] of Object.entries(SDK_CLASSES)) if (endsWithPath(element.internalName as string, path)) sdk.set(name, element);
  }
  const overridden = new Set<string>();
  for (const element of classes) {
    if ([...sdk.values()].includes(element)) continue;
    const own = [...(element.instanceMembers?.keys() ?? [])];
    for (let base = element.basePrototype; base; base = base.basePrototype) {
      for (const [name, sdkClass] of sdk) if (sdkClass === base) for (const member of own) overridden.add(`${name}.${member}`);
    }
  }
  return Object.keys(CALLBACKS).filter((callback) =>
    CALLBACKS[callback]!.methods.every(([name, method]) => sdk.get(name)?.instanceMembers?.has(method) === true && !overridden.has(`${name}.${method}`)),
  );
}

/** What the transform uses of binaryen's module API. */
interface BinaryenModule {
  getExport(name: string): number;
  removeExport(name: string): void;
}

interface BinaryenApi {
  getExportInfo(ref: number): { name: string; value: string };
}

/**
 * The transform, for asc's `transforms` option. Passed as the class: asc gives its prototype the
 * compiler's binaryen and makes an instance for each compilation.
 */
export class UnusedCallbacks {
  declare readonly binaryen: BinaryenApi;
  private unused: string[] = [];

  afterInitialize(program: unknown): void {
    try {
      this.unused = unusedCallbacks(program);
    } catch {
      this.unused = [];
    }
  }

  afterCompile(module: BinaryenModule): void {
    for (const name of this.unused) {
      const ref = module.getExport(name);
      // Only the SDK's own callback: a filter that exports a function of that name itself keeps it.
      if (!ref || !this.binaryen.getExportInfo(ref).value.endsWith(`callbacks/${CALLBACKS[name]!.file}/${name}`)) continue;
      module.removeExport(name);
    }
  }
}
