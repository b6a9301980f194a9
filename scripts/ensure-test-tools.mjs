// Makes sure the real tools the test suite drives are installed: Debian's docker-registry (a real
// OCI registry), skopeo (an independent client), htpasswd (bcrypt credentials), wabt (wasm-validate,
// wasm-objdump) and openssl (token-server certificates). Installs them with apt-get when running as
// root on Debian/Ubuntu; otherwise says what to install and fails.
import { spawnSync } from "node:child_process";

const tools = { "docker-registry": "docker-registry", skopeo: "skopeo", htpasswd: "apache2-utils", "wasm-validate": "wabt", openssl: "openssl" };

const has = (command) => spawnSync("sh", ["-c", `command -v ${command}`], { stdio: "ignore" }).status === 0;
const missing = Object.keys(tools).filter((command) => !has(command));
if (missing.length === 0) process.exit(0);

const packages = [...new Set(missing.map((command) => tools[command]))];
const isRoot = typeof process.getuid === "function" && process.getuid() === 0;
if (!isRoot || !has("apt-get")) {
  console.error(`error: the tests need ${missing.join(", ")}; install them with: sudo apt-get install -y ${packages.join(" ")}`);
  process.exit(1);
}
console.error(`installing ${packages.join(", ")} with apt-get ...`);
const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
const run = (args) => spawnSync("apt-get", args, { stdio: ["ignore", "ignore", "inherit"], env }).status === 0;
if (!run(["update", "-qq"]) || !run(["install", "-y", "-qq", "--no-install-recommends", ...packages, "ca-certificates"])) {
  console.error(`error: apt-get could not install ${packages.join(" ")}`);
  process.exit(1);
}
// The package may start its own service on :5000; the tests run their own registries on 127.0.0.1.
spawnSync("sh", ["-c", "service docker-registry stop || true"], { stdio: "ignore" });
