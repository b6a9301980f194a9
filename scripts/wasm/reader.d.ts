export type ValueType = "i32" | "i64" | "f32" | "f64" | "v128" | "funcref" | "externref";
export type ExternalKind = "func" | "table" | "memory" | "global" | "tag";
export interface FuncType {
    params: ValueType[];
    results: ValueType[];
}
export interface Limits {
    min: number;
    max: number | null;
    shared: boolean;
}
export interface WasmImport {
    module: string;
    name: string;
    kind: ExternalKind;
    /** Function imports: the signature. */
    type?: FuncType;
    /** Table and memory imports. */
    limits?: Limits;
}
export interface WasmExport {
    name: string;
    kind: ExternalKind;
    index: number;
}
export interface WasmModule {
    /** Size of the binary in bytes. */
    size: number;
    types: FuncType[];
    imports: WasmImport[];
    /** Signature of every function by function index (imported functions first). */
    functions: Array<FuncType | undefined>;
    importedFunctionCount: number;
    exports: WasmExport[];
    /** Limits of the memory the module defines itself (null if it imports its memory or has none). */
    memory: Limits | null;
    /** Byte range of the memory section (header included), for rewriting its limits. */
    memorySection: {
        header: number;
        end: number;
    } | null;
    hasStart: boolean;
    /** Names of the custom sections, in order. */
    customSections: string[];
    /** Function names from the `name` custom section (empty if absent or malformed). */
    functionNames: Map<number, string>;
}
/** The binary is not a well-formed module; the message is one line saying why. */
export declare class WasmFormatError extends Error {
}
/** Random access to the bytes of a module (in memory, or a file read in place). */
export interface ByteSource {
    readonly size: number;
    read(offset: number, length: number): Uint8Array;
}
export declare function bytesSource(bytes: Uint8Array): ByteSource;
/** A file read in place; close it when done. */
export declare function fileSource(path: string): ByteSource & {
    close(): void;
};
/** Decodes a module's structure; throws a WasmFormatError with a one-line reason if it is malformed. */
export declare function readWasm(input: Uint8Array | ByteSource): WasmModule;
