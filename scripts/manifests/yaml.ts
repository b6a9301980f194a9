/**
 * The one import site of the `yaml` package (eemeli/yaml) for the toolchain. The two side-effect imports
 * around it let the esbuild ESM bundle initialise yaml's CommonJS build (see yaml/require-on.ts).
 */
import "./yaml/require-on.ts";
import { Document, parseAllDocuments, parse } from "yaml";
import "./yaml/require-off.ts";

export { Document, parseAllDocuments, parse };
