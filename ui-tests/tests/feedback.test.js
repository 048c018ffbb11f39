// Browser test of feedback (issue 15): a consumer opens a producer's indicator, sees its score and marks it a
// false positive with the page's button; the producer's Scorecard page then counts the false positive and shows
// the lower score, and the consumer's name (account or organisation, which does not consent to be named)
// appears nowhere the producer can see.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { chromium } from "playwright-core";
import { CHROMIUM, cli, freshDataDir, screenshot, signIn, startServer } from "./hub.js";

let browser;

before(async () => {
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ["--no-sandbox"] });
});

after(async () => {
  await browser?.close();
});

const INDICATOR = "indicator--7c0e5f4c-0000-4000-8000-0000000000f1";

test("a consumer marks an indicator false positive; the producer's scorecard and the score change, the consumer stays anonymous", async () => {
  const data = freshDataDir("feedback");
  cli(data, ["org", "create", "river-utility", "--consent", "everyone"]);
  cli(data, ["org", "create", "lakeside-water", "--consent", "none"]);
  cli(data, ["community", "create", "water"]);
  cli(data, ["community", "add-member", "water", "river-utility"]);
  cli(data, ["community", "add-member", "water", "lakeside-water"]);
  cli(data, ["collection", "create", "--title", "Water sector", "--alias", "water"]);
  cli(data, ["collection", "share", "water", "--community", "water"]);
  for (const [account, org] of [
    ["river-analyst", "river-utility"],
    ["lakeside-analyst", "lakeside-water"],
  ]) {
    cli(data, ["account", "create", account, "--password-stdin", "--org", org], `pw-${account}\n`);
    cli(data, ["grant", account, "--collection", "water"]);
  }
  const server = await startServer(data);
  const base = server.baseUrl;
  const now = new Date().toISOString();
  const posted = await fetch(`${base}/api1/collections/water/objects/`, {
    method: "POST",
    headers: {
      Authorization: "Basic " + Buffer.from("river-analyst:pw-river-analyst").toString("base64"),
      "Content-Type": "application/taxii+json;version=2.1",
      Accept: "application/taxii+json;version=2.1",
    },
    body: JSON.stringify({
      objects: [
        {
          type: "indicator", spec_version: "2.1", id: INDICATOR, created: now, modified: now, valid_from: now,
          name: "SCADA scanner address", pattern: "[ipv4-addr:value = '203.0.113.77']", pattern_type: "stix",
        },
      ],
    }),
  });
  assert.equal(posted.status, 202);
  const consumer = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const producer = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  try {
    // The producer's scorecard before: one shared indicator, no false positive.
    const p = await producer.newPage();
    await signIn(p, base, "river-analyst", "pw-river-analyst");
    await p.getByRole("link", { name: "Scorecard" }).click();
    const row = p.locator("tr[data-org='river-utility']");
    await row.waitFor();
    assert.equal((await row.locator("td.fp").textContent()).trim(), "0");
    const reliabilityBefore = Number((await row.locator("td.reliability").textContent()).trim());

    // The consumer finds the indicator, sees its score, and marks it a false positive.
    const c = await consumer.newPage();
    await signIn(c, base, "lakeside-analyst", "pw-lakeside-analyst");
    await c.goto(`${base}/ui/search?q=SCADA`);
    await c.getByRole("link", { name: "SCADA scanner address" }).first().click();
    const scoreText = c.locator(".score-value");
    await scoreText.waitFor({ timeout: 30_000 });
    const before = Number((await scoreText.textContent()).trim());
    await screenshot(c, "20-feedback-object");
    await c.getByRole("button", { name: "False positive" }).click();
    await c.waitForLoadState("load");
    const after = Number((await c.locator(".score-value").textContent()).trim());
    assert.ok(after < before, `score ${before} -> ${after}`);

    // The producer sees the false positive and the lower score; nothing names the consumer.
    let fp = "0";
    for (let tries = 0; tries < 50 && fp === "0"; tries += 1) {
      await p.reload();
      fp = (await p.locator("tr[data-org='river-utility'] td.fp").textContent()).trim();
      if (fp === "0") await p.waitForTimeout(200);
    }
    assert.equal(fp, "1");
    const judged = p.locator(`article.judged[data-indicator='${INDICATOR}']`);
    await judged.waitFor();
    assert.ok(Number((await judged.locator(".score").textContent()).trim()) < before);
    assert.match(await judged.textContent(), /an anonymous consumer: false-positive \(ui\)/);
    for (let tries = 0; tries < 50; tries += 1) {
      await p.reload();
      const now = Number((await p.locator("tr[data-org='river-utility'] td.reliability").textContent()).trim());
      if (now < reliabilityBefore) break;
      await p.waitForTimeout(200);
    }
    assert.ok(
      Number((await p.locator("tr[data-org='river-utility'] td.reliability").textContent()).trim()) < reliabilityBefore,
      "the producer's reliability fell",
    );
    await screenshot(p, "21-feedback-scorecard");
    for (const path of ["/ui/scorecard", `/ui/c/api1/water/objects/${INDICATOR}/`, "/ui/", "/ui/alerts"]) {
      await p.goto(`${base}${path}`);
      const text = await p.content();
      assert.ok(!/lakeside/i.test(text), `${path} names the consumer`);
    }
    const mine = await fetch(`${base}/feedback/v1/mine`, {
      headers: { Authorization: "Basic " + Buffer.from("river-analyst:pw-river-analyst").toString("base64") },
    });
    assert.equal(mine.status, 200);
    assert.ok(!/lakeside/i.test(await mine.text()));
  } finally {
    await consumer.close();
    await producer.close();
    await server.stop();
  }
});
