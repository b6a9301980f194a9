// npm run bench: runs every section below in order, prints their Markdown and writes it all to
// bench/RESULTS.md. A section is a title and a function that measures and returns Markdown
// (bench/section.ts); to add one, write it in its own file and list it here.
//   --only <text>   run the sections whose title contains <text> (RESULTS.md is then not written)
//   --sizes-only    print the example sizes, measuring nothing
//   --no-write      do not write RESULTS.md
// Set PWHOST to a built pwhost (proxy-wasm-cpp-host on WAMR) for the real-host rows.

import { writeFile } from "node:fs/promises";
import { cpus, loadavg } from "node:os";
import { exampleSizes, sizesTable } from "../testkit/example-sizes.ts";
import { floorsSection } from "./floors.ts";
import { proxyRuntimeSection } from "./proxy-runtime.ts";
import type { BenchSection } from "./section.ts";

const sizesSection: BenchSection = {
  title: "Example sizes",
  run: async () => `Release modules as \`npm run asbuild\` builds them.\n\n${sizesTable(exampleSizes())}`,
};

const SECTIONS: BenchSection[] = [floorsSection, proxyRuntimeSection, sizesSection];

const RESULTS = new URL("./RESULTS.md", import.meta.url).pathname;

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const only = args.includes("--sizes-only") ? sizesSection.title : args.includes("--only") ? args[args.indexOf("--only") + 1] ?? "" : null;
  const sections = only === null ? SECTIONS : SECTIONS.filter((s) => s.title.includes(only));
  const parts: string[] = [];
  for (const section of sections) {
    const text = `## ${section.title}\n\n${await section.run()}`;
    process.stdout.write(`${text}\n\n`);
    parts.push(text);
  }
  if (only === null && !args.includes("--no-write")) {
    const machine = `Node ${process.version}, ${cpus().length}× ${cpus()[0]?.model ?? "cpu"}, load average ${loadavg().map((l) => l.toFixed(1)).join(" ")} at the end.`;
    await writeFile(RESULTS, `# Benchmark results\n\nProduced by \`npm run bench\` (bench/run.ts) on ${new Date().toISOString().slice(0, 10)}. ${machine}\n\n${parts.join("\n\n")}\n`);
  }
}

await main();
