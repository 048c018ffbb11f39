// Browser test of the drill after-action report (issue 16): `stixhub drill run` plays the phishing-wave example
// through a real `stixhub serve` (time compressed), and the report page it writes is opened in Chromium: the
// EXERCISE banner, the two SVG charts with a bar and an expectation tick per jurisdiction, the jurisdiction and
// inject tables, no script and no external resource. Screenshots at desktop and phone widths.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { chromium } from "playwright-core";
import { ADMIN_PASSWORD, BIN, CHROMIUM, ROOT, freshDataDir, screenshot, startServer } from "./hub.js";

let browser;

before(async () => {
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ["--no-sandbox"] });
});

after(async () => {
  await browser?.close();
});

test("the after-action report of a drill shows its charts and tables", async () => {
  const dataDir = freshDataDir("drill");
  const server = await startServer(dataDir);
  const out = join(dataDir, "report");
  try {
    const scenario = join(ROOT, "examples", "drills", "phishing-wave.toml");
    const run = spawnSync(
      BIN,
      ["drill", "run", scenario, "--url", server.baseUrl, "--admin-user", "admin", "--password-stdin",
        "--out", out, "--speed", "30", "--grace", "5", "--quiet"],
      { input: `${ADMIN_PASSWORD}\n`, encoding: "utf8", timeout: 180_000 },
    );
    assert.equal(run.status, 0, `drill run failed: ${run.stderr}`);
    const report = JSON.parse(readFileSync(join(out, "report.json"), "utf8"));
    assert.equal(report.injects.length, 5);
    // The indicators went through and reached the three counties' IT accounts.
    for (const inject of report.injects.filter((i) => i.kind === "indicator")) {
      assert.deepEqual(inject.errors, []);
      assert.deepEqual(Object.keys(inject.deliveries).sort(), ["durham-it", "orange-it", "wake-it"]);
    }

    const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, javaScriptEnabled: false });
    const page = await context.newPage();
    const requests = [];
    page.on("request", (request) => requests.push(request.url()));
    await page.goto(pathToFileURL(join(out, "report.html")).href);
    await page.getByText("EXERCISE — NOT REAL").first().waitFor();
    assert.match(await page.title(), /After-action report: Phishing wave across counties/);
    for (const chart of ["#chart-share", "#chart-respond"]) {
      const svg = page.locator(chart);
      await svg.waitFor();
      const box = await svg.boundingBox();
      assert.ok(box.width > 400 && box.height > 50, `${chart} is drawn (${JSON.stringify(box)})`);
      // One row per jurisdiction (labels), and an expectation tick for each county with a deadline.
      for (const county of ["wake-county", "durham-county", "orange-county"]) {
        assert.equal(await svg.locator("text", { hasText: county }).count(), 1, `${chart} labels ${county}`);
      }
      assert.ok((await svg.locator("line.deadline").count()) >= 3, `${chart} shows the expectations`);
    }
    // Jurisdiction rows: the three counties and the producer.
    assert.equal(await page.locator("#jurisdictions tbody tr").count(), 4);
    assert.equal(await page.locator("#injects tbody tr").count(), 5);
    const delivered = page.locator('#injects tr[data-inject="fusion-domain"] td').nth(7);
    assert.equal((await delivered.textContent()).trim(), "3/3");
    assert.deepEqual(requests.filter((url) => !url.startsWith("file:")), [], "no external resource");
    await screenshot(page, "30-drill-report");

    const phone = await browser.newContext({ viewport: { width: 375, height: 812 }, javaScriptEnabled: false });
    const small = await phone.newPage();
    await small.goto(pathToFileURL(join(out, "report.html")).href);
    await small.locator("#chart-share").waitFor();
    await screenshot(small, "31-drill-report-phone");
    await phone.close();
    await context.close();
  } finally {
    await server.stop();
  }
});
