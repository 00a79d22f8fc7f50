import { readFileSync } from "node:fs";
import { expect, test, type APIRequestContext } from "@playwright/test";
import { financeAccount, signIn, transferPledge as pledge } from "./helpers";

// The staff admin, in a browser with JavaScript on and off: sign in, filter donations, import a
// bank statement and confirm its matches, see the campaign total move, export CSV.

/** The campaign total on the home page, in whole dollars. */
async function homeTotal(request: APIRequestContext): Promise<number> {
  const html = await (await request.get("/en")).text();
  const raised = /data-progress-raised[^>]*>HK\$([\d,]+)/.exec(html)![1];
  return Number(raised.replace(/,/g, ""));
}

test("a finance user signs in, filters, imports a statement, confirms its matches and exports", async ({ page, request }, testInfo) => {
  const email = financeAccount(testInfo.project.name);
  // Whole-dollar amounts of this run's own (other specs read the campaign total as whole
  // dollars), different in each project so parallel runs never match each other's lines.
  const own = 10 + (testInfo.project.name.length * 7 + (Date.now() / 1000)) % 80 | 0;
  const first = await pledge(request, `3${own}`, "Chan Tai Man");
  const second = await pledge(request, `5${own}`, "Lee Siu Ling");
  const before = await homeTotal(request);

  await signIn(page, email);

  // Filter the donations to one.
  await page.getByRole("link", { name: "Donations" }).first().click();
  await page.getByLabel("Reference, email or name").fill(first);
  await page.getByRole("button", { name: "Filter" }).click();
  await expect(page.locator("tbody tr")).toHaveCount(1);
  await expect(page.locator("tbody tr")).toContainText(first);
  await expect(page.locator("#totals")).toContainText("Donations found: 1");

  // Import a statement with both transfers (one reference written sloppily).
  const today = new Date(Date.now() + 8 * 3600_000).toISOString().slice(0, 10);
  const sloppy = `lbc ${second.slice(4, 7).toLowerCase()} ${second.slice(7).toLowerCase()}`;
  const csv = `Date,Particulars,Credit\n${today},FPS ${first} CHAN,3${own}.00\n${today},${sloppy} LEE,5${own}.00\n${today},SERVICE CHARGE,(2.00)\n`;
  await page.getByRole("link", { name: "Bank statements" }).click();
  await page.getByLabel("Bank account").fill("HSBC 004-111111-001");
  await page.getByLabel("Statement (CSV)").setInputFiles({ name: "statement.csv", mimeType: "text/csv", buffer: Buffer.from(csv) });
  await page.getByRole("button", { name: "Upload and match" }).click();
  await page.waitForURL(/\/admin\/statements\/[0-9a-f]{32}$/);
  // A bank layout seen for the first time: map its columns (guessed already) once.
  const mapping = page.getByRole("button", { name: "Read the statement" });
  if (await mapping.isVisible()) {
    await expect(page.getByLabel("Date column")).toHaveValue("0");
    await page.getByLabel("Dates are written").selectOption("ymd");
    await mapping.click();
  }
  await expect(page.locator("#review-summary")).toContainText("3 lines read");
  await page.getByRole("button", { name: /Confirm all 2 clear matches/ }).click();
  await expect(page.getByRole("status")).toContainText("2 payments recorded");

  // The campaign's total moved by both.
  const after = await homeTotal(request);
  expect(after).toBeGreaterThanOrEqual(before + 800);

  // The donation's page tells its story.
  await page.goto(`/admin/donations/${first}`);
  await expect(page.locator("main")).toContainText("confirm_transfer");

  // Export the filtered set.
  await page.goto(`/admin/donations?q=${second}`);
  const download = page.waitForEvent("download");
  await page.getByRole("link", { name: "Export as CSV" }).click();
  const file = readFileSync(await (await download).path());
  expect(file.subarray(0, 3)).toEqual(Buffer.from([0xef, 0xbb, 0xbf]));
  const text = file.toString("utf8");
  expect(text).toContain(second);
  expect(text).not.toContain(first);
  expect(text).toContain("Lee Siu Ling");
});

test("nobody without a session reads the admin", async ({ page }) => {
  for (const path of ["/admin", "/admin/donations", "/admin/donations.csv", "/admin/statements", "/admin/audit"]) {
    await page.goto(path);
    await expect(page).toHaveURL(/\/admin\/sign-in$/);
  }
});
