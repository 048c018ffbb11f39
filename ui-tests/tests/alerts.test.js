// Browser test of the Alerts page (issue 13): a signed-in admin keeps /ui/alerts open; an object posted over
// TAXII by someone else appears on the page without a reload (EventSource on /ui/events, session cookie).
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { chromium } from "playwright-core";
import { ADMIN_PASSWORD, CHROMIUM, freshDataDir, screenshot, signIn, startServer } from "./hub.js";

let browser;

before(async () => {
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ["--no-sandbox"] });
});

after(async () => {
  await browser?.close();
});

test("the Alerts page shows a newly posted object without a reload", async () => {
  const server = await startServer(freshDataDir("alerts"));
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  try {
    const base = server.baseUrl;
    await signIn(page, base, "admin", ADMIN_PASSWORD);
    await page.getByRole("link", { name: "Alerts" }).click();
    await page.getByText("Live: waiting for new objects.").waitFor({ timeout: 15_000 });
    let reloads = 0;
    page.on("framenavigated", () => (reloads += 1));

    const indicator = {
      type: "indicator", spec_version: "2.1", id: "indicator--6b0e5f4c-0000-4000-8000-0000000000a1",
      created: "2026-11-02T00:00:00.000Z", modified: "2026-11-02T00:00:00.000Z", name: "Polling-place phishing domain",
      pattern: "[domain-name:value = 'vote-update.example']", pattern_type: "stix", valid_from: "2026-11-02T00:00:00Z",
    };
    const posted = await fetch(`${base}/api1/collections/default/objects/`, {
      method: "POST",
      headers: {
        Authorization: "Basic " + Buffer.from(`admin:${ADMIN_PASSWORD}`).toString("base64"),
        "Content-Type": "application/taxii+json;version=2.1",
        Accept: "application/taxii+json;version=2.1",
      },
      body: JSON.stringify({ objects: [indicator] }),
    });
    assert.equal(posted.status, 202);

    const item = page.locator("#alerts li", { hasText: "Polling-place phishing domain" });
    await item.waitFor({ timeout: 10_000 });
    assert.match(await item.textContent(), /object-added/);
    assert.match(await item.textContent(), /indicator--6b0e5f4c-0000-4000-8000-0000000000a1/);
    assert.equal(reloads, 0, "no navigation happened");
    await screenshot(page, "15-alerts");

    // The subscriptions page: a filter with a bad TLP level is refused naming the field.
    await page.goto(`${base}/ui/subscriptions`);
    await page.getByLabel("Name").fill("Ransomware only");
    await page.getByLabel("STIX types (comma-separated)").fill("malware, Not A Type");
    await page.getByRole("button", { name: "Create" }).click();
    await page.getByText("types[1]").waitFor();
    await screenshot(page, "16-subscriptions");
  } finally {
    await context.close();
    await server.stop();
  }
});
