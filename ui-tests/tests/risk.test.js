// Browser test of the risk register (issue 18): a county analyst uploads an SBOM on /ui/risk/sboms and sees
// its findings with SSVC decisions and KEV flags; a state analyst opens the register, follows the Supply Water
// function's score down to one finding and sees the sources of its SSVC decision.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { chromium } from "playwright-core";
import { CHROMIUM, ROOT, cli, freshDataDir, screenshot, signIn, startServer } from "./hub.js";

const REFERENCE = process.env.STIXHUB_REFERENCE || join(ROOT, "..", "shared", "reference");

let browser;

before(async () => {
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ["--no-sandbox"] });
});

after(async () => {
  await browser?.close();
});

test("upload an SBOM, see findings with SSVC and KEV, follow the register down to a finding", async () => {
  const data = freshDataDir("risk");
  cli(data, ["org", "create", "state", "--government", "--consent", "government"]);
  cli(data, ["org", "create", "county-a", "--government", "--consent", "government"]);
  cli(data, ["community", "create", "state-all"]);
  cli(data, ["community", "create", "state-counties", "--parent", "state-all"]);
  cli(data, ["community", "add-member", "state-all", "state"]);
  cli(data, ["community", "add-member", "state-counties", "county-a"]);
  for (const [account, org] of [["state-analyst", "state"], ["county-a-analyst", "county-a"]]) {
    cli(data, ["account", "create", account, "--password-stdin", "--org", org], `pw-${account}\n`);
  }
  // Knowledge: the GHSA records and a KEV catalogue that lists the elliptic CVE (a KEV update).
  const kev = JSON.parse(readFileSync(join(REFERENCE, "kev", "known_exploited_vulnerabilities.json"), "utf8"));
  kev.vulnerabilities.push({
    cveID: "CVE-2020-28498", vendorProject: "indutny", product: "elliptic", vulnerabilityName: "test entry",
    dateAdded: "2026-12-01", shortDescription: "added by the test", requiredAction: "update",
    dueDate: "2026-12-22", knownRansomwareCampaignUse: "Unknown", notes: "", cwes: [],
  });
  const kevFile = join(data, "kev.json");
  writeFileSync(kevFile, JSON.stringify(kev));
  cli(data, ["vulns", "import", join(REFERENCE, "osv", "ghsa"), kevFile]);
  cli(data, ["risk", "tag", "county-a", "--function", "supply-water", "--sector", "water-and-wastewater-systems"]);

  const server = await startServer(data);
  const base = server.baseUrl;
  const county = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const state = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  try {
    // The county uploads its SBOM.
    const a = await county.newPage();
    await signIn(a, base, "county-a-analyst", "pw-county-a-analyst");
    await a.getByRole("link", { name: "Risk" }).click();
    await a.getByRole("link", { name: "Your SBOMs" }).click();
    await a.locator("#sbom-file").setInputFiles(join(REFERENCE, "sbom", "spdx-2.3-acme-app.spdx.json"));
    await a.waitForFunction(() => document.getElementById("sbom-content").value.length > 100);
    await a.getByLabel("Product").fill("acme-app");
    await a.getByRole("button", { name: "Upload" }).click();
    await a.locator("#findings").waitFor();
    const kevRow = a.locator("#findings tbody tr", { hasText: "KEV" }).first();
    await kevRow.waitFor();
    const outcome = (await kevRow.locator("td.ssvc").textContent()).trim();
    assert.ok(["act", "attend", "track*", "track"].includes(outcome), `SSVC outcome shown: ${outcome}`);
    const decided = await a.locator("#findings td.ssvc").allTextContents();
    assert.ok(decided.length > 1 && decided.every((o) => o.trim() !== "none"), `every finding decided: ${decided}`);
    await screenshot(a, "risk-01-sbom-findings");

    // The state opens the register and follows Supply Water down to one finding.
    const s = await state.newPage();
    await signIn(s, base, "state-analyst", "pw-state-analyst");
    await s.goto(`${base}/ui/risk`);
    await s.locator("#register").waitFor();
    await s.locator("svg.chart").first().waitFor();
    assert.match(await s.locator("#register-orgs").textContent(), /county-a/);
    await screenshot(s, "risk-02-register");
    await s.getByRole("link", { name: "Supply Water" }).click();
    const score = Number((await s.locator("#function-score").textContent()).trim());
    assert.ok(score > 0, `Supply Water has a score: ${score}`);
    const points = (await s.locator("#contributors tbody tr td:first-child").allTextContents()).map(Number);
    assert.equal(points.reduce((x, y) => x + y, 0), score, "the score is the sum of its contributors");
    await screenshot(s, "risk-03-function");
    await s.locator("#contributors a", { hasText: "CVE-2020-28498" }).first().click();
    await s.locator("#ssvc-inputs").waitFor();
    assert.match(await s.locator("#finding-kev").textContent(), /in CISA KEV/);
    const inputs = await s.locator("#ssvc-inputs tbody tr").allTextContents();
    assert.equal(inputs.length, 4);
    assert.ok(inputs.some((row) => /exploitation/.test(row) && /active/.test(row) && /KEV/.test(row)), inputs.join("\n"));
    assert.ok(inputs.some((row) => /mission_wellbeing/.test(row) && /high/.test(row) && /supply-water/.test(row)), inputs.join("\n"));
    assert.match(await s.locator("#ssvc-row").textContent(), /row \d+/);
    await screenshot(s, "risk-04-finding-sources");
  } finally {
    await county.close();
    await state.close();
    await server.stop();
  }
});
