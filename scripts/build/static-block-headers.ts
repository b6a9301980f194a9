/**
 * A compiler transform, used with the SDK's runtime only, that writes 0 where asc writes the block
 * header (`mmInfo`, the block size) of each object it places in the data segment: static strings,
 * arrays, function objects.
 *
 * The SDK's runtime (assembly/runtime.ts) never reads the block header of static data: __free returns
 * for anything below __heap_base, __renew reads the size class of heap blocks only, and the collector
 * uses only the next, previous, id and size words. A non-zero size word, though, costs its own data
 * segment (a few bytes of offset and length for one or two bytes of data, as binaryen splits segments
 * at the zeros that follow it), once per static object: about 7 bytes each, 120 in add-header.
 * AssemblyScript's own runtime (TLSF) reads that word when it moves a static object, so the build
 * uses this transform only with the SDK's runtime.
 *
 * asc writes the header in one place (Class#createBuffer, through the OBJECT class's writeField); the
 * transform wraps that method of that one class. When asc's internals are not as expected, it does
 * nothing and the module is only larger.
 */

/** What the transform reads of AssemblyScript's program (asc's internals, hence the checks). */
interface ObjectClass {
  writeField?: (name: string, value: unknown, buffer: Uint8Array, offset?: number) => number;
}

export class StaticBlockHeaders {
  afterInitialize(program: unknown): void {
    let object: ObjectClass | null | undefined;
    try {
      object = (program as { OBJECTInstance?: ObjectClass | null }).OBJECTInstance;
    } catch {
      return; // no OBJECT class: not the compiler this was written for
    }
    const writeField = object?.writeField;
    if (object == null || typeof writeField !== "function") return;
    object.writeField = function (this: ObjectClass, name, value, buffer, offset) {
      return writeField.call(this, name, name === "mmInfo" ? 0 : value, buffer, offset);
    };
  }
}
