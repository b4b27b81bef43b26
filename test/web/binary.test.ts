/**
 * The compiled executable: built once for this file with build.ts into a
 * temporary folder, then copied alone into an empty folder that holds
 * hostile bunfig.toml, .env, tsconfig.json and package.json files. It must
 * serve both ports from there, with its embedded assets, and never read
 * those files (their access times stay put; the bunfig's preload would
 * leave a marker and crash).
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import {
  copyFileSync,
  existsSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  utimesSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import type { KeyPageJson } from "../../client/shared/api-types.ts";
import {
  REPOSITORY_ROOT,
  type RunningServer,
  startServer,
  temporaryDirectory,
} from "../support/server.ts";
import { TestClient } from "../support/test-client.ts";

const BUILD_TIMEOUT_MS = 300_000;
/** Two days ago: Linux's relatime updates an access time this old on the next read. */
const OLD_TIME = new Date(Date.now() - 2 * 86_400_000);
const CONFIG_FILES = ["bunfig.toml", ".env", "tsconfig.json", "package.json"] as const;

let buildFolder: string;
let folder: string;
let binary: string;
let server: RunningServer | undefined;

function run(command: string[], cwd: string) {
  const result = Bun.spawnSync(command, { cwd, stdout: "pipe", stderr: "pipe" });
  return {
    exitCode: result.exitCode,
    stdout: result.stdout.toString(),
    stderr: result.stderr.toString(),
  };
}

const accessTime = (name: string) => statSync(join(folder, name)).atimeMs;

beforeAll(async () => {
  buildFolder = temporaryDirectory("litecached-build-");
  const built = join(buildFolder, "litecached");
  const build = Bun.spawn(
    [process.execPath, join(REPOSITORY_ROOT, "build.ts"), "--outfile", built],
    {
      cwd: REPOSITORY_ROOT,
      stdout: "pipe",
      stderr: "pipe",
    },
  );
  if ((await build.exited) !== 0) {
    throw new Error(`build.ts failed: ${await new Response(build.stderr).text()}`);
  }

  folder = temporaryDirectory("litecached-binary-");
  binary = join(folder, "litecached");
  copyFileSync(built, binary);
  writeFileSync(
    join(folder, "evil-preload.js"),
    `require("node:fs").writeFileSync(${JSON.stringify(join(folder, "PRELOADED"))}, "bunfig.toml was loaded");\nthrow new Error("hostile preload ran");\n`,
  );
  writeFileSync(join(folder, "bunfig.toml"), 'preload = ["./evil-preload.js"]\n');
  writeFileSync(join(folder, ".env"), "NODE_ENV=development\nLITECACHED_HOSTILE=1\n");
  writeFileSync(join(folder, "tsconfig.json"), '{ "compilerOptions": { "jsx": "react" } }\n');
  writeFileSync(
    join(folder, "package.json"),
    '{ "type": "commonjs", "main": "evil-preload.js" }\n',
  );
  writeFileSync(join(folder, "control.txt"), "read by the test itself\n");
  for (const name of [...CONFIG_FILES, "control.txt"])
    utimesSync(join(folder, name), OLD_TIME, OLD_TIME);
}, BUILD_TIMEOUT_MS);

afterAll(async () => {
  await server?.stop();
  // Two copies of a 100 MiB executable per run: do not leave them behind.
  for (const path of [buildFolder, folder]) {
    if (path !== undefined) rmSync(path, { recursive: true, force: true });
  }
});

describe("The compiled binary", () => {
  test("Should be a single executable that runs without node_modules", () => {
    expect(readdirSync(folder).sort()).toEqual([
      ".env",
      "bunfig.toml",
      "control.txt",
      "evil-preload.js",
      "litecached",
      "package.json",
      "tsconfig.json",
    ]);
    expect(statSync(binary).mode & 0o111).not.toBe(0);
    const version = run([binary, "--version"], folder);
    expect(version.exitCode).toBe(0);
    expect(version.stdout).toMatch(/^litecached \d+\.\d+\.\d+\n$/);
  });

  test("Should print the same help as bun main.ts", () => {
    const fromBinary = run([binary, "--help"], folder);
    const fromSource = run(
      [process.execPath, join(REPOSITORY_ROOT, "main.ts"), "--help"],
      REPOSITORY_ROOT,
    );
    expect(fromBinary.exitCode).toBe(0);
    expect(fromBinary.stdout).toBe(fromSource.stdout);
  });

  test("Should serve the memcached port and the monitor with its embedded assets", async () => {
    server = await startServer({ command: [binary], cwd: folder });
    const client = await TestClient.connect(server.port);
    client.send("set from:binary 5 0 5\r\nhello\r\nget from:binary\r\n");
    expect(await client.readUntil("END\r\n")).toBe(
      "STORED\r\nVALUE from:binary 5 5\r\nhello\r\nEND\r\n",
    );
    client.close();

    const base = `http://127.0.0.1:${server.httpPort}`;
    const page = await fetch(`${base}/`);
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain(">from:binary</span>");
    const keys = (await (await fetch(`${base}/api/keys`)).json()) as KeyPageJson;
    expect(keys.keys.map((key) => key.key)).toEqual(["from:binary"]);

    const scriptPath = /src="(\/assets\/monitor\.[0-9a-z]+\.js)"/.exec(html)?.[1];
    const cssPath = /href="(\/assets\/monitor\.[0-9a-z]+\.css)"/.exec(html)?.[1];
    const script = await fetch(`${base}${scriptPath}`);
    expect(script.status).toBe(200);
    expect(await script.text()).toContain("/api/events");
    const css = await fetch(`${base}${cssPath}`);
    expect(css.status).toBe(200);
    expect(await css.text()).toContain(".key-toggle");
  });

  test("Should not read bunfig.toml, .env, tsconfig.json or package.json from its folder", () => {
    expect(existsSync(join(folder, "PRELOADED"))).toBe(false);
    // The check below can only fail if this filesystem records reads: make sure it does.
    const controlBefore = accessTime("control.txt");
    readFileSync(join(folder, "control.txt"));
    expect(accessTime("control.txt")).toBeGreaterThan(controlBefore);
    for (const name of CONFIG_FILES) expect(accessTime(name)).toBe(OLD_TIME.getTime());
  });

  test("Should stop cleanly on SIGTERM", async () => {
    expect(server).toBeDefined();
    const exitCode = await server?.stop();
    server = undefined;
    expect(exitCode).toBe(0);
  });
});
