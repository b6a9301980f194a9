/** The one import site of the `yaml` package (eemeli/yaml) for the toolchain. */
export { Document, parseAllDocuments, parse } from "yaml";
