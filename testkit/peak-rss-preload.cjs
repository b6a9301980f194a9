// Preloaded with `node --require`: writes the process's peak resident set size in bytes to
// $PEAK_RSS_FILE when it exits (process.resourceUsage().maxRSS is in KiB).
"use strict";
process.on("exit", () => {
  const file = process.env.PEAK_RSS_FILE;
  if (file) require("node:fs").writeFileSync(file, String(process.resourceUsage().maxRSS * 1024));
});
