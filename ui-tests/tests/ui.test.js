// Browser tests of the web UI (issue 7): Debian chromium driven by playwright-core against a real
// `stixhub serve`. Run by ui-tests/run.sh (and .ci/run). Screenshots go to target/ui-screenshots/.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { chromium } from "playwright-core";
import { ADMIN_PASSWORD, CHROMIUM, CORPUS, cli, freshDataDir, screenshot, signIn, startServer } from "./hub.js";

let browser;

before(async () => {
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ["--no-sandbox"] });
});

after(async () => {
  await browser?.close();
});

test("sign in, upload the small bundles, find an indicator by its pattern value, see its TLP badge, sign out", async () => {
  const server = await startServer(freshDataDir("main"));
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  try {
    const base = server.baseUrl;
    // Signed out, every page leads to the sign-in form.
    await page.goto(`${base}/ui/`);
    assert.equal(new URL(page.url()).pathname, "/ui/login");
    await screenshot(page, "01-sign-in");
    await page.getByLabel("Account name").fill("admin");
    await page.getByLabel("Password").fill("wrong password");
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByText("do not match").waitFor();
    await signIn(page, base, "admin", ADMIN_PASSWORD);
    const cookies = await context.cookies();
    const session = cookies.find((c) => c.name === "stixhub_session");
    assert.ok(session, "a session cookie is set");
    assert.equal(session.httpOnly, true);
    assert.equal(session.sameSite, "Lax");

    // Upload every bundle of shared/corpus/bundles/small through the file input.
    const smallDir = join(CORPUS, "bundles", "small");
    const bundles = readdirSync(smallDir).filter((name) => name.endsWith(".json")).sort();
    assert.ok(bundles.length >= 9, `the corpus has its small bundles (${smallDir})`);
    for (const name of bundles) {
      await page.goto(`${base}/ui/contribute`);
      await page.getByLabel("A STIX 2.1 bundle (JSON)").check();
      await page.getByLabel("Upload a file").setInputFiles(join(smallDir, name));
      await page.waitForFunction(() => document.getElementById("content").value.length > 0);
      await page.getByRole("button", { name: "Submit" }).click();
      const outcome = page.locator("#outcome [role=status]");
      try {
        await outcome.filter({ hasText: "Stored" }).waitFor({ timeout: 15_000 });
      } catch (err) {
        await screenshot(page, `failed-${name}`);
        throw new Error(`${name}: ${await page.locator("#main").innerText()}`);
      }
      const text = await outcome.textContent();
      const [, stored, total, held] = text.match(/Stored (\d+) of (\d+) objects; (\d+) held/);
      assert.equal(Number(stored) + Number(held), Number(total), `${name}: every object stored or held (${text})`);
    }
    await screenshot(page, "04-contribute-done");

    // Inline diagnostics before submitting: an invalid object is reported by Check, nothing stored.
    await page.goto(`${base}/ui/contribute`);
    await page.getByLabel("Content").fill('{"type":"bundle","id":"bundle--6b0e5f4c-0000-4000-8000-000000000009","objects":[{"type":"indicator","id":"indicator--x"}]}');
    await page.getByRole("button", { name: "Check" }).click();
    await page.locator(".problems").waitFor();
    assert.match(await page.locator(".problems").textContent(), /indicator--x/);
    await screenshot(page, "05-contribute-diagnostics");

    // A note naming a person is held for PII review: the reviewer sees the finding highlighted and approves.
    await page.goto(`${base}/ui/contribute`);
    await page.getByLabel("Content").fill(JSON.stringify({
      type: "bundle",
      id: "bundle--6b0e5f4c-0000-4000-8000-000000000010",
      objects: [{
        type: "note", spec_version: "2.1", id: "note--6b0e5f4c-0000-4000-8000-000000000011",
        created: "2026-11-01T00:00:00.000Z", modified: "2026-11-01T00:00:00.000Z",
        content: "Reported by Dana.", object_refs: ["indicator--3c4d5e6f-7a8b-4c9d-8e0f-1a2b3c4d5e6f"],
      }],
    }));
    await page.getByRole("button", { name: "Submit" }).click();
    await page.locator("#outcome [role=status]").filter({ hasText: "1 held for PII review" }).waitFor();
    await page.goto(`${base}/ui/`);
    await page.getByRole("link", { name: /awaiting your PII review/ }).click();
    await page.getByRole("link", { name: "note--6b0e5f4c-0000-4000-8000-000000000011" }).click();
    assert.equal((await page.locator("td.posted mark").first().textContent()).trim(), "Dana");
    assert.match(await page.getByLabel(/redacted copy/).inputValue(), /REDACTED:name/);
    await screenshot(page, "13-pii-review");
    await page.getByRole("button", { name: "Approve as proposed" }).click();
    await page.getByText("Approved: the object is stored").waitFor();
    await page.goto(`${base}/ui/c/api1/default/objects/note--6b0e5f4c-0000-4000-8000-000000000011/`);
    const note = await page.locator("pre.json").textContent();
    assert.match(note, /REDACTED:name/);
    assert.doesNotMatch(note, /Dana/);

    // The dashboard counts what was loaded.
    await page.goto(`${base}/ui/`);
    await page.getByRole("heading", { name: "Default collection" }).waitFor();
    await screenshot(page, "02-dashboard");

    // Find the TLP:AMBER indicator by a value in its pattern, open it, see its badge.
    await page.getByRole("link", { name: "Default collection" }).click();
    await page.getByLabel("Text").fill("update.badcdn.example");
    await page.getByLabel("Type").selectOption("indicator");
    await page.getByRole("button", { name: "Search" }).click();
    // Two indicators mention the domain (one in a URL); the TLP:AMBER one is the domain-name indicator.
    const hit = page.locator("table.hits tbody tr", { hasText: "domain-name:value" });
    await hit.waitFor();
    assert.equal(await page.locator("table.hits tbody tr").count(), 2);
    await screenshot(page, "03-search");
    await hit.getByRole("link").first().click();
    await page.waitForURL(/\/objects\/indicator--/);
    const badge = page.locator(".badges .tlp").first();
    assert.equal((await badge.textContent()).trim(), "TLP:AMBER");
    assert.equal(await badge.evaluate((el) => getComputedStyle(el).color), "rgb(255, 192, 0)");
    assert.match(await page.locator("pre.json").textContent(), /update\.badcdn\.example/);
    await screenshot(page, "06-object");

    // An indicator with a sighting shows the relationship in.
    await page.goto(`${base}/ui/c/api1/default/?q=198.51.100.23&type=indicator`);
    await page.locator("table.hits tbody tr a").first().click();
    await page.getByRole("heading", { name: "Relationships" }).waitFor();
    await screenshot(page, "07-object-relationships");

    // Administration.
    await page.goto(`${base}/ui/admin`);
    await page.getByRole("heading", { name: "Organisations" }).waitFor();
    await screenshot(page, "08-admin");

    // The audit log, with chain verification.
    await page.getByRole("link", { name: "Audit log" }).click();
    await page.getByRole("button", { name: "Verify the chain" }).click();
    await page.getByText("The chain is intact").waitFor();
    assert.ok((await page.locator("table.hits tbody tr").count()) > 0, "the audit log has entries");
    await screenshot(page, "14-audit");

    // A phone-sized screen.
    await page.setViewportSize({ width: 390, height: 844 });
    await page.goto(`${base}/ui/`);
    await screenshot(page, "09-dashboard-phone");
    await page.setViewportSize({ width: 1280, height: 900 });

    // Sign out: the session is gone.
    await page.getByRole("button", { name: "Sign out" }).click();
    await page.waitForURL(`${base}/ui/login`);
    await page.goto(`${base}/ui/`);
    assert.equal(new URL(page.url()).pathname, "/ui/login");
  } finally {
    await context.close();
    await server.stop();
  }
});

test("a county cannot open another county's TLP:AMBER object by its URL", async () => {
  const data = freshDataDir("county");
  cli(data, ["org", "create", "state", "--government", "--consent", "government"]);
  cli(data, ["org", "create", "county-a", "--government"]);
  cli(data, ["org", "create", "county-b", "--government"]);
  cli(data, ["community", "create", "state-all"]);
  cli(data, ["community", "create", "state-counties", "--parent", "state-all"]);
  cli(data, ["community", "add-member", "state-all", "state"]);
  cli(data, ["community", "add-member", "state-counties", "county-a"]);
  cli(data, ["community", "add-member", "state-counties", "county-b"]);
  cli(data, ["collection", "create", "--title", "State sharing", "--alias", "state"]);
  cli(data, ["collection", "share", "state", "--community", "state-all"]);
  for (const [account, org] of [["state-analyst", "state"], ["county-a-it", "county-a"], ["county-b-it", "county-b"]]) {
    cli(data, ["account", "create", account, "--password-stdin", "--org", org], `pw-${account}\n`);
    cli(data, ["grant", account, "--collection", "state"]);
  }
  const server = await startServer(data);
  const base = server.baseUrl;
  const countyA = await browser.newContext();
  const countyB = await browser.newContext();
  const state = await browser.newContext();
  try {
    // County A shares a suspicious IP as TLP:AMBER from a plain list of observables.
    const a = await countyA.newPage();
    await signIn(a, base, "county-a-it", "pw-county-a-it");
    await a.goto(`${base}/ui/contribute`);
    const target = await a.locator("#target option", { hasText: "State sharing" }).getAttribute("value");
    await a.getByLabel("Collection").selectOption(target);
    await a.getByLabel("A list of observables").check();
    await a.getByLabel("TLP of the indicators").selectOption("amber");
    await a.getByLabel("Content").fill("203.0.113.200\n");
    await a.getByRole("button", { name: "Submit" }).click();
    await a.locator("#outcome [role=status]").filter({ hasText: "Stored 1 of 1" }).waitFor();
    await a.goto(`${base}/ui/`);
    await a.getByRole("link", { name: "State sharing" }).click();
    await a.getByLabel("Text").fill("203.0.113.200");
    await a.getByRole("button", { name: "Search" }).click();
    await a.locator("table.hits tbody tr a").first().click();
    await a.waitForURL(/\/objects\/indicator--/);
    const objectUrl = a.url();
    assert.equal((await a.locator(".badges .tlp").first().textContent()).trim(), "TLP:AMBER");

    // The state, the collection's audience, finds and opens it (republished under the hub's id when county A
    // does not consent to be named, so the state's address for it may differ).
    const s = await state.newPage();
    await signIn(s, base, "state-analyst", "pw-state-analyst");
    await s.goto(`${objectUrl.split("/objects/")[0]}/?q=203.0.113.200`);
    await s.locator("table.hits tbody tr a").first().click();
    await s.waitForURL(/\/objects\/indicator--/);
    const stateUrl = s.url();
    assert.equal((await s.locator(".badges .tlp").first().textContent()).trim(), "TLP:AMBER");

    // County B gets the same 404 as for an object that does not exist, and finds nothing by searching.
    const b = await countyB.newPage();
    await signIn(b, base, "county-b-it", "pw-county-b-it");
    const denied = await b.goto(objectUrl);
    assert.equal(denied.status(), 404);
    assert.equal((await b.goto(stateUrl)).status(), 404);
    await b.goto(objectUrl);
    await b.getByText("There is nothing here").waitFor();
    assert.doesNotMatch(await b.content(), /203\.0\.113\.200/);
    await screenshot(b, "10-county-b-denied");
    const missing = await b.goto(objectUrl.replace(/indicator--[0-9a-f]{8}/, "indicator--00000000"));
    assert.equal(missing.status(), 404);
    await b.goto(`${objectUrl.split("/objects/")[0]}/?q=203.0.113.200`);
    await b.getByText("No objects match").waitFor();
  } finally {
    await countyA.close();
    await countyB.close();
    await state.close();
    await server.stop();
  }
});

test("serve --demo starts with a populated hub", async () => {
  const server = await startServer(freshDataDir("demo"), ["--demo"]);
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  try {
    await signIn(page, server.baseUrl, "demo-lake", "demo-lake-pass");
    const total = Number(await page.locator(".card p strong").first().textContent());
    assert.ok(total >= 380, `the demo collection shows ${total} objects`);
    await screenshot(page, "11-demo-dashboard");
    await page.goto(`${server.baseUrl}/ui/c/api1/default/?q=industroyer`);
    await page.locator("table.hits tbody tr a", { hasText: "Industroyer" }).first().click();
    await page.getByRole("heading", { name: "Relationships" }).waitFor();
    assert.ok((await page.locator("ul.links li").count()) > 0, "Industroyer has relationships");
    await screenshot(page, "12-demo-object");
  } finally {
    await context.close();
    await server.stop();
  }
});
