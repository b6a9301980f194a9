import type { BuildOptions } from "esbuild";
/** esbuild options for the CLI bundle, shared by the npm script and the tests. */
export declare function cliBundleOptions(outfile: string): BuildOptions;
