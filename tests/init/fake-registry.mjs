// An npm registry for the "once published" path of tests/init/init.test.ts, run as a child process (the
// test drives npm with spawnSync, which blocks its own event loop). Serves one package, the packument and
// the tarball given on the command line, and redirects every other request to the public npm registry,
// where npm gets the package's dependencies (from its cache when it can). Bound to 127.0.0.1, free port;
// prints "listening <url>" when ready.  Usage: node fake-registry.mjs <package.json> <tarball>
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { createServer } from "node:http";
import { basename } from "node:path";

const [manifestPath, tarballPath] = process.argv.slice(2);
const bytes = readFileSync(tarballPath);
const { scripts, devDependencies, ...manifest } = JSON.parse(readFileSync(manifestPath, "utf8"));
void scripts;
void devDependencies;
const tarballUrlPath = `/${manifest.name}/-/${basename(tarballPath)}`;

const server = createServer((req, res) => {
  const base = `http://127.0.0.1:${server.address().port}`;
  if (req.url === `/${manifest.name}`) {
    const dist = {
      tarball: `${base}${tarballUrlPath}`,
      integrity: `sha512-${createHash("sha512").update(bytes).digest("base64")}`,
      shasum: createHash("sha1").update(bytes).digest("hex"),
    };
    res.setHeader("content-type", "application/json");
    res.end(JSON.stringify({ name: manifest.name, "dist-tags": { latest: manifest.version }, versions: { [manifest.version]: { ...manifest, dist } } }));
  } else if (req.url === tarballUrlPath) {
    res.setHeader("content-type", "application/octet-stream");
    res.end(bytes);
  } else {
    res.writeHead(302, { location: `https://registry.npmjs.org${req.url}` }).end();
  }
});
server.listen(0, "127.0.0.1", () => console.log(`listening http://127.0.0.1:${server.address().port}/`));
process.on("SIGTERM", () => server.close(() => process.exit(0)));
