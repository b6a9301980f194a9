// The declarative flag tables (scripts/commands/flags.ts): parsing, typed values, help and one-line usage
// errors come from one table per command; every command of the CLI is held to it.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { main } from "../../scripts/cli.ts";
import { UsageError } from "../../scripts/cli-errors.ts";
import { commands } from "../../scripts/commands/index.ts";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { defineFlags, flagName, parseCommandLine, readFlagFile, renderHelp } from "../../scripts/commands/flags.ts";

/** Runs main() with console.log/console.error captured. */
async function runMain(argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = "";
  let stderr = "";
  const log = console.log;
  const error = console.error;
  console.log = (...parts: unknown[]) => void (stdout += `${parts.join(" ")}\n`);
  console.error = (...parts: unknown[]) => void (stderr += `${parts.join(" ")}\n`);
  try {
    return { code: await main(argv), stdout, stderr };
  } finally {
    console.log = log;
    console.error = error;
  }
}

const table = defineFlags({
  rootId: { type: "string", value: "<id>", help: "root id" },
  port: {
    type: "string",
    value: "<port>",
    default: 10000,
    parse: (raw: string, flag: string) => {
      if (!/^\d+$/.test(raw)) throw new UsageError(`${flag} is not a port: ${raw}`);
      return Number(raw);
    },
    help: "a port",
  },
  level: { type: "string", value: "<level>", choices: ["low", "high"], help: "a level" },
  label: { type: "string", short: "l", value: "<k=v>", multiple: true, help: ["a label", "(repeatable)"], section: "Selection" },
  plainHttp: { type: "boolean", negatable: true, help: "http" },
  json: { type: "boolean", default: false, help: "json" },
});

describe("flag tables", () => {
  it("derive the option object: camelCase keys, kebab-case flags, parse, choices, defaults, lists, negation", () => {
    const { options, positionals } = parseCommandLine(
      table,
      ["a", "--root-id", "my_root", "--port", "8080", "--level", "high", "-l", "x=1", "--label", "y=2", "--no-plain-http", "b"],
      "demo",
    );
    assert.deepEqual(positionals, ["a", "b"]);
    assert.deepEqual(options, { rootId: "my_root", port: 8080, level: "high", label: ["x=1", "y=2"], plainHttp: false, json: false });
    const port: number = options.port; // typed by the table: a default makes it non-optional
    assert.equal(port, 8080);
    const defaults = parseCommandLine(table, [], "demo").options;
    assert.deepEqual(defaults, { rootId: undefined, port: 10000, level: undefined, label: undefined, plainHttp: undefined, json: false });
    assert.equal(parseCommandLine(table, ["--plain-http"], "demo").options.plainHttp, true);
    assert.equal(flagName("passwordStdin"), "password-stdin");
  });

  it("refuse bad input with one line naming the flag", () => {
    const cases: Array<[string[], RegExp]> = [
      [["--bogus"], /^unknown option --bogus for demo \(try --help\)$/],
      [["-x"], /^unknown option -x for demo \(try --help\)$/],
      [["--root-id"], /^--root-id needs a value \(try --help\)$/],
      [["--json=yes"], /^--json takes no value \(try --help\)$/],
      [["--level", "mid"], /^--level must be one of low, high, not "mid"$/],
      [["--port", "http"], /^--port is not a port: http$/],
      [["--plain-http", "--no-plain-http"], /^--plain-http and --no-plain-http exclude each other$/],
      [["--\u001b[31mred"], /^unknown option --\\u001b\[31mred for demo/],
    ];
    for (const [args, message] of cases) {
      assert.throws(
        () => parseCommandLine(table, args, "demo"),
        (error: unknown) => error instanceof UsageError && message.test(error.message) && !error.message.includes("\n"),
        args.join(" "),
      );
    }
  });

  it("render every flag in its section, aligned (a long label on its own line), -h, --help after the last flag", () => {
    const help = renderHelp({
      usage: "demo [options]",
      description: "Does things.",
      arguments: [{ name: "<thing>", help: "what to do it to" }],
      flags: table,
      after: "Examples:\n  demo x",
    });
    assert.equal(
      help,
      [
        "Usage: demo [options]",
        "",
        "Does things.",
        "",
        "Arguments:",
        "  <thing>            what to do it to",
        "",
        "Options:",
        "  --root-id <id>     root id",
        "  --port <port>      a port",
        "  --level <level>    a level",
        "  --plain-http, --no-plain-http",
        "                     http",
        "  --json             json",
        "  -h, --help         show this help",
        "",
        "Selection:",
        "  -l, --label <k=v>  a label",
        "                     (repeatable)",
        "",
        "Examples:",
        "  demo x",
      ].join("\n"),
    );
  });
});

describe("files named by flags", () => {
  it("are read whole, or refused in one line: missing, a directory, over the size limit", () => {
    const dir = mkdtempSync(join(tmpdir(), "flag-file-"));
    try {
      writeFileSync(join(dir, "config.json"), '{"a":1}');
      assert.equal(readFlagFile("--config-file", "config.json", { cwd: dir }), '{"a":1}');
      assert.throws(() => readFlagFile("--config-file", "missing.json", { cwd: dir }), /^UsageError: --config-file: "missing\.json": no such file$/);
      assert.throws(() => readFlagFile("--config-file", ".", { cwd: dir }), /^UsageError: --config-file: "\." is a directory, not a file$/);
      assert.throws(() => readFlagFile("--config-file", "config.json", { cwd: dir, maxBytes: 3 }), /is 7 bytes, over the 3-byte limit/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("run --config-file DIR is a usage error, exit 2, one line", async () => {
    const { code, stderr } = await runMain(["run", "add-header", "--upstream", "http://127.0.0.1:9", "--config-file", "."]);
    assert.equal(code, 2);
    assert.equal(stderr, 'error: --config-file: "." is a directory, not a file\n');
  });
});

describe("every command", () => {
  it("lists each flag of its table in --help", async () => {
    for (const command of commands) {
      const { code, stdout } = await runMain([command.name, "--help"]);
      assert.equal(code, 0);
      assert.match(stdout, new RegExp(`^Usage: proxy-wasm ${command.name} `));
      for (const [key, flag] of Object.entries(command.flags)) {
        const shown = `${flag.short !== undefined ? `-${flag.short}, ` : ""}--${flagName(key)}`;
        assert.ok(stdout.includes(shown), `${command.name} --help lists ${shown}`);
      }
      assert.ok(stdout.includes("-h, --help"), `${command.name} --help lists -h, --help`);
    }
  });

  it("answers an unknown flag with one line, try --help, exit 2", async () => {
    for (const command of commands) {
      const { code, stdout, stderr } = await runMain([command.name, "--no-such-flag"]);
      assert.equal(code, 2, command.name);
      assert.equal(stdout, "");
      assert.equal(stderr, `error: unknown option --no-such-flag for ${command.name} (try --help)\n`);
    }
  });
});
