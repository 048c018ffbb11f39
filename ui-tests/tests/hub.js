// Starts a real `stixhub serve --listen 127.0.0.1:0 --data <tmpdir>` and runs its admin CLI, for the browser
// tests. The binary is $STIXHUB_BIN (run.sh sets it); the port is read from the `listening on` line on stderr.
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
export const BIN = process.env.STIXHUB_BIN || join(ROOT, "target", "debug", "stixhub");
export const CORPUS = process.env.STIXHUB_CORPUS || join(ROOT, "..", "shared", "corpus");
export const SCREENSHOTS = process.env.UI_SCREENSHOTS || join(ROOT, "target", "ui-screenshots");
export const CHROMIUM = process.env.CHROMIUM || "/usr/bin/chromium";
export const ADMIN_PASSWORD = "ui-test-admin-pass";

mkdirSync(SCREENSHOTS, { recursive: true });

/** A fresh data directory. */
export function freshDataDir(name) {
  return mkdtempSync(join(tmpdir(), `stixhub-ui-${name}-`));
}

/** Runs `stixhub ARGS --data DIR` (stdin optional); throws with its stderr when it fails. */
export function cli(dataDir, args, stdin = "") {
  const result = spawnSync(BIN, [...args, "--data", dataDir], { input: stdin, encoding: "utf8" });
  if (result.status !== 0) {
    throw new Error(`stixhub ${args.join(" ")} failed (${result.status}): ${result.stderr}`);
  }
  return result.stdout.trim();
}

/** Starts the server; resolves to { baseUrl, stop() } once it prints its address. */
export function startServer(dataDir, extraArgs = []) {
  const child = spawn(BIN, ["serve", "--listen", "127.0.0.1:0", "--data", dataDir, ...extraArgs], {
    env: { ...process.env, STIXHUB_ADMIN_PASSWORD: ADMIN_PASSWORD },
    stdio: ["ignore", "ignore", "pipe"],
  });
  return new Promise((resolve, reject) => {
    let said = "";
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`the server never printed its address; it said:\n${said}`));
    }, 60_000);
    child.on("exit", (code) => reject(new Error(`the server exited (${code}):\n${said}`)));
    child.stderr.setEncoding("utf8");
    child.stderr.on("data", (chunk) => {
      said += chunk;
      // Only a whole line: a chunk may end in the middle of the port number.
      const found = said.match(/listening on (http:\/\/\S+)\r?\n/);
      if (found) {
        clearTimeout(timer);
        resolve({
          baseUrl: found[1],
          output: () => said,
          stop: () =>
            new Promise((done) => {
              child.removeAllListeners("exit");
              child.on("exit", () => done());
              child.kill("SIGTERM");
            }),
        });
      }
    });
  });
}

/** Signs in through the form and waits for the dashboard. */
export async function signIn(page, baseUrl, name, password) {
  await page.goto(`${baseUrl}/ui/login`);
  await page.getByLabel("Account name").fill(name);
  await page.getByLabel("Password").fill(password);
  await Promise.all([page.waitForURL(`${baseUrl}/ui/`), page.getByRole("button", { name: "Sign in" }).click()]);
}

/** Saves a full-page screenshot under target/ui-screenshots/. */
export async function screenshot(page, name) {
  await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true });
}
