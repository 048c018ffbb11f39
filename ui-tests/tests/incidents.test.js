// Browser tests of Election-Day incidents (issue 16): a county officer fills in the report form on a phone
// (375 x 812), gets field-level messages that keep what was typed, sends it; the state's board (desktop) shows
// the new case live (no reload), the state acknowledges it and publishes it as TLP:AMBER to its community; the
// form also works at desktop width. Screenshots are kept under target/ui-screenshots/.
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

function setUp() {
  const data = freshDataDir("incidents");
  cli(data, ["org", "create", "state", "--government", "--consent", "government"]);
  cli(data, ["org", "create", "county-a", "--government", "--consent", "none"]);
  cli(data, ["community", "create", "state-all"]);
  cli(data, ["community", "add-member", "state-all", "state"]);
  cli(data, ["collection", "create", "--title", "State sharing", "--alias", "state"]);
  cli(data, ["collection", "share", "state", "--community", "state-all"]);
  for (const [account, org] of [["state-officer", "state"], ["county-clerk", "county-a"]]) {
    cli(data, ["account", "create", account, "--password-stdin", "--org", org], `pw-${account}\n`);
    cli(data, ["grant", account, "--collection", "state"]);
  }
  cli(data, ["incident-route", "add", "--tier", "org:state"]);
  return data;
}

test("a county reports on a phone; the state's board shows it live; the state acknowledges and publishes it", async () => {
  const server = await startServer(setUp());
  const base = server.baseUrl;
  const phone = await browser.newContext({ viewport: { width: 375, height: 812 }, isMobile: true, hasTouch: true });
  const desk = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  try {
    // The state keeps its board open.
    const board = await desk.newPage();
    await signIn(board, base, "state-officer", "pw-state-officer");
    await board.getByRole("link", { name: "Incidents" }).click();
    await board.getByText("Live.").waitFor({ timeout: 15_000 });
    let reloads = 0;
    board.on("framenavigated", () => (reloads += 1));

    // The county fills in the form on a phone; a first attempt misses fields and has a bad observable.
    const form = await phone.newPage();
    await signIn(form, base, "county-clerk", "pw-county-clerk");
    await form.goto(`${base}/ui/report`);
    const width = await form.evaluate(() => document.documentElement.scrollWidth);
    assert.ok(width <= 375, `the form fits the phone's width (${width}px)`);
    await form.getByLabel("What happened? *").fill("E-pollbook shows wrong precinct");
    await form.getByLabel("Observables: IPs, domains, URLs, e-mail senders, file hashes (one per line)").fill("198.51.100.7\nnot a domain!");
    await form.getByLabel("E-pollbook").check();
    await screenshot(form, "incidents-01-report-phone");
    await form.getByRole("button", { name: "Send report" }).click();
    await form.getByText("Please correct the").waitFor();
    assert.match(await form.locator("#category-error").textContent(), /required/);
    assert.match(await form.locator("#description-error").textContent(), /required/);
    assert.match(await form.locator("#observables-error").textContent(), /line 2/);
    assert.equal(await form.getByLabel("What happened? *").inputValue(), "E-pollbook shows wrong precinct", "typed text kept");
    assert.ok(await form.getByLabel("E-pollbook").isChecked(), "checked system kept");
    await screenshot(form, "incidents-02-report-phone-errors");

    // Fixed and sent: the case page opens.
    await form.getByLabel("Category *").selectOption("media-burning-issue");
    await form.getByLabel("critical").check();
    await form.getByLabel("Details *").fill("Precinct 12 check-ins show voters of precinct 21. Reported by Jane Doe, 614-555-0134.");
    await form.getByLabel("Observables: IPs, domains, URLs, e-mail senders, file hashes (one per line)").fill("198.51.100.7");
    await Promise.all([form.waitForURL(/\/ui\/incidents\//), form.getByRole("button", { name: "Send report" }).click()]);
    assert.equal(await form.locator("#case-status").textContent(), "new");
    const details = await form.locator(".prose-text").textContent();
    assert.ok(!details.includes("614-555-0134"), `PII redacted: ${details}`);
    await screenshot(form, "incidents-03-case-phone");

    // The state's board shows it without a reload.
    const row = board.locator("#cases tr", { hasText: "E-pollbook shows wrong precinct" });
    await row.waitFor({ timeout: 10_000 });
    assert.match(await row.textContent(), /critical/);
    assert.match(await row.textContent(), /new/);
    assert.equal(reloads, 0, "the board updated without navigating");
    await screenshot(board, "incidents-04-board-live");

    // The state acknowledges and publishes it as TLP:AMBER to its community.
    await row.getByRole("link").click();
    await board.getByLabel("New status").selectOption("acknowledged");
    await board.getByLabel("Note").fill("Calling the county");
    await board.getByRole("button", { name: "Update" }).click();
    await board.getByText("The case is now acknowledged.").waitFor();
    await board.getByLabel("Communities (comma-separated)").fill("state-all");
    await board.getByLabel("TLP").selectOption("amber");
    await board.getByRole("button", { name: "Publish cleaned STIX" }).click();
    await board.getByText("Published.").waitFor();
    const shares = await board.locator("#case-shares").textContent();
    assert.match(shares, /TLP:AMBER to state-all/);
    assert.match(shares, /jurisdiction withheld/);
    await screenshot(board, "incidents-05-case-published");

    // Back on the board: acknowledged, and the KPI table has the time to acknowledge and to share.
    await board.goto(`${base}/ui/board`);
    await board.locator("#cases tr", { hasText: "acknowledged" }).waitFor();
    const kpi = await board.locator("#kpi-table").textContent();
    assert.match(kpi, /county-a/);
    assert.ok(await board.locator("svg.chart rect").count() >= 1, "the chart has a bar");
    await screenshot(board, "incidents-06-board-kpis");
  } finally {
    await phone.close();
    await desk.close();
    await server.stop();
  }
});

test("the report form works at desktop width and keeps what was typed on errors", async () => {
  const server = await startServer(setUp());
  const base = server.baseUrl;
  const desk = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  try {
    const form = await desk.newPage();
    await signIn(form, base, "county-clerk", "pw-county-clerk");
    await form.getByRole("link", { name: "Report incident" }).click();
    await form.getByLabel("Details *").fill("Phishing mails to poll workers from vote-help@bad.example");
    await form.getByLabel("Observables: IPs, domains, URLs, e-mail senders, file hashes (one per line)").fill("vote-help@bad.example");
    await form.getByRole("button", { name: "Send report" }).click();
    await form.locator("#title-error").waitFor();
    assert.equal(
      await form.getByLabel("Details *").inputValue(),
      "Phishing mails to poll workers from vote-help@bad.example",
    );
    await screenshot(form, "incidents-07-report-desktop-errors");
    await form.getByLabel("What happened? *").fill("Phishing wave");
    await form.getByLabel("Category *").selectOption("account-compromise");
    await Promise.all([form.waitForURL(/\/ui\/incidents\//), form.getByRole("button", { name: "Send report" }).click()]);
    assert.match(await form.locator("#case-facts").textContent(), /county-a/);
    await screenshot(form, "incidents-08-case-desktop");
  } finally {
    await desk.close();
    await server.stop();
  }
});
