// Browser test of victim notification (issue 14): a county's admin registers its address range on /ui/assets,
// a community admin verifies it there (seeing it unverified first), the state posts an indicator of an address
// in the range over TAXII, and the county's Alerts page shows the notification without a reload.
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

test("an org admin registers an asset, an admin verifies it, the owner's Alerts page shows the notification", async () => {
  const data = freshDataDir("assets");
  cli(data, ["org", "create", "state", "--government", "--consent", "government"]);
  cli(data, ["org", "create", "county-a", "--government"]);
  cli(data, ["community", "create", "state-all"]);
  cli(data, ["community", "create", "state-counties", "--parent", "state-all"]);
  cli(data, ["community", "add-member", "state-all", "state"]);
  cli(data, ["community", "add-member", "state-counties", "county-a"]);
  cli(data, ["collection", "create", "--title", "State sharing", "--alias", "state"]);
  cli(data, ["collection", "share", "state", "--community", "state-all"]);
  for (const [account, org, role] of [
    ["state-analyst", "state", "member"],
    ["county-a-admin", "county-a", "org-admin"],
    ["state-verifier", "state", "community-admin"],
  ]) {
    cli(data, ["account", "create", account, "--password-stdin", "--org", org, "--role", role], `pw-${account}\n`);
    cli(data, ["grant", account, "--collection", "state"]);
  }
  cli(data, ["community", "add-admin", "state-counties", "state-verifier"]);
  const server = await startServer(data);
  const base = server.baseUrl;
  const county = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const verifier = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  try {
    // The county's admin claims its range.
    const a = await county.newPage();
    await signIn(a, base, "county-a-admin", "pw-county-a-admin");
    await a.getByRole("link", { name: "Assets" }).click();
    await a.getByLabel("Kind").selectOption("cidr");
    await a.getByLabel("Value").fill("198.51.100.7/24");
    await a.getByRole("button", { name: "Claim" }).click();
    await a.getByText("host bits are set (the network is 198.51.100.0/24)").waitFor();
    await a.getByLabel("Value").fill("198.51.100.0/24");
    await a.getByRole("button", { name: "Claim" }).click();
    await a.locator("#own-assets tr", { hasText: "198.51.100.0/24" }).filter({ hasText: "unverified" }).waitFor();
    await screenshot(a, "17-assets-claimed");

    // The community admin verifies it.
    const v = await verifier.newPage();
    await signIn(v, base, "state-verifier", "pw-state-verifier");
    await v.goto(`${base}/ui/assets`);
    await v.locator("#pending-assets tr", { hasText: "county-a" }).waitFor();
    await screenshot(v, "18-assets-pending");
    await v.getByRole("button", { name: "Verify 198.51.100.0/24" }).click();
    await v.getByText("Verified cidr 198.51.100.0/24 of county-a.").waitFor();

    // The county keeps its Alerts page open; the state posts an indicator of an address in the range.
    await a.goto(`${base}/ui/alerts`);
    await a.getByText("Live: waiting for new objects.").waitFor({ timeout: 15_000 });
    let reloads = 0;
    a.on("framenavigated", () => (reloads += 1));
    const indicator = {
      type: "indicator", spec_version: "2.1", id: "indicator--6b0e5f4c-0000-4000-8000-0000000000b7",
      created: "2026-11-02T00:00:00.000Z", modified: "2026-11-02T00:00:00.000Z", name: "County web server scanner",
      pattern: "[ipv4-addr:value = '198.51.100.23']", pattern_type: "stix", valid_from: "2026-11-02T00:00:00Z",
      object_marking_refs: ["marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb"],
    };
    const posted = await fetch(`${base}/api1/collections/state/objects/`, {
      method: "POST",
      headers: {
        Authorization: "Basic " + Buffer.from("state-analyst:pw-state-analyst").toString("base64"),
        "Content-Type": "application/taxii+json;version=2.1",
        Accept: "application/taxii+json;version=2.1",
      },
      body: JSON.stringify({ objects: [indicator] }),
    });
    assert.equal(posted.status, 202);
    const item = a.locator("#alerts li.alert-victim-notification", { hasText: "County web server scanner" });
    await item.waitFor({ timeout: 15_000 });
    assert.match(await item.textContent(), /involves your cidr 198\.51\.100\.0\/24/);
    assert.equal(reloads, 0, "no navigation happened");
    await screenshot(a, "19-victim-notification");
  } finally {
    await county.close();
    await verifier.close();
    await server.stop();
  }
});
