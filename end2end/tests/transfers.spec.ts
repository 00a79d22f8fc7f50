import AxeBuilder from "@axe-core/playwright";
import { expect, test, type Page, type TestInfo } from "@playwright/test";
import { financeAccount, signIn, transferPledge as pledge } from "./helpers";

// Money that reaches the bank, as finance staff at a laptop work with it, JavaScript on and
// off: what a statement line says (already recorded, held, not dealt with), "Confirm as paid"
// reviewed and undone, a cheque gift receipted and then bounced. Every page is axe-clean.

test.beforeEach(({}, testInfo) => {
  test.skip(!testInfo.project.name.endsWith("desktop"), "staff work at a laptop");
});

/** Fails on any WCAG 2.2 AA violation (with JavaScript on: axe runs in the page). */
async function expectAccessible(page: Page, testInfo: TestInfo) {
  if (!testInfo.project.name.startsWith("js-on")) return;
  const results = await new AxeBuilder({ page })
    .withTags(["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"])
    .analyze();
  expect(results.violations.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`)).toEqual([]);
}

/** Whole dollars of this run and project's own, so parallel runs never match each other. */
function ownAmount(testInfo: TestInfo, base: number): string {
  return `${base + ((testInfo.project.name.length * 13 + Date.now() / 1000) % 90 | 0)}`;
}

/** Confirms a transfer by hand from the pledge's page, through its review. */
async function confirmByHand(page: Page, reference: string, testInfo: TestInfo) {
  await page.goto(`/admin/donations/${reference}`);
  await expect(page.getByRole("heading", { name: "Confirm the transfer" })).toBeVisible();
  await expect(page.getByLabel("Received at (date and time, Hong Kong)")).not.toHaveValue("");
  await page.getByRole("button", { name: "Review" }).click();
  await expect(page.getByRole("heading", { level: 1, name: "Check before confirming" })).toBeVisible();
  await expect(page.locator("#review-receipt")).toContainText("will be emailed to transfer@example.org");
  await expect(page.locator("#review-after")).toContainText("This completes the pledge");
  await expectAccessible(page, testInfo);
  await page.getByRole("button", { name: "Confirm as paid" }).click();
  await expect(page.getByRole("status")).toBeVisible();
}

test("a statement says what each line is: already recorded, held, or waiting under Needs attention", async ({ page, request }, testInfo) => {
  const own = ownAmount(testInfo, 610);
  const paid = await pledge(request, own, "Chan Tai Man");
  const later = await pledge(request, `${Number(own) + 100}`, "Lee Siu Ling");
  await signIn(page, financeAccount(testInfo.project.name));
  await confirmByHand(page, paid, testInfo);

  const today = new Date(Date.now() + 8 * 3600_000).toISOString().slice(0, 10);
  const tomorrow = new Date(Date.now() + 32 * 3600_000).toISOString().slice(0, 10);
  const stranger = `STRANGER ${testInfo.project.name} ${Date.now()}`.toUpperCase();
  const csv = [
    "Date,Particulars,Credit",
    `${today},FPS ${paid} CHAN,${own}.00`,
    `${today},${stranger},${own}.50`,
    `${tomorrow},FPS ${later} LEE,${Number(own) + 100}.00`,
  ].join("\n");
  await page.getByRole("link", { name: "Bank statements" }).click();
  await page.getByLabel("Bank account").fill(`HSBC 004-${testInfo.project.name}`);
  await page.getByLabel("Statement (CSV)").setInputFiles({ name: "statement.csv", mimeType: "text/csv", buffer: Buffer.from(csv) });
  await page.getByRole("button", { name: "Upload and match" }).click();
  await page.waitForURL(/\/admin\/statements\/[0-9a-f]{32}$/);
  const mapping = page.getByRole("button", { name: "Read the statement" });
  if (await mapping.isVisible()) {
    await page.getByLabel("Dates are written").selectOption("ymd");
    await mapping.click();
  }
  const statement = page.url();
  const row = (text: string) => page.locator("tbody tr", { hasText: text });
  await expect(row(paid)).toContainText("Already recorded");
  await expect(row(later)).toContainText("Held: dated after today");
  await expect(row(stranger)).toContainText("No pledge found");
  await expect(page.locator("#review-open")).toContainText("still need you");
  await expect(page.locator("#confirm-clear")).toHaveCount(0);
  await expectAccessible(page, testInfo);

  // The money that matches nothing waits under Needs attention, and the statements list says so.
  await page.getByRole("link", { name: "Needs attention" }).click();
  await expect(page.locator("tbody tr", { hasText: stranger })).toContainText("Statement line not dealt with");
  await page.getByRole("link", { name: "Bank statements" }).click();
  await expect(page.locator("#statements-open")).toContainText("not dealt with yet");

  // Dealt with: the recorded payment linked, the stranger's money set aside.
  await page.goto(statement);
  await row(paid).getByRole("button", { name: "Link to the recorded payment" }).click();
  await expect(page.getByRole("status")).toContainText("nothing new was recorded");
  await expect(row(paid)).toContainText(`Recorded for ${paid}`);
  await row(stranger).getByRole("button", { name: "Set aside" }).click();
  await expect(row(stranger)).toContainText("Set aside");
  await page.getByRole("link", { name: "Needs attention" }).click();
  await expect(page.locator("main")).not.toContainText(stranger);
});

test("Confirm as paid shows what it will do and can be undone", async ({ page, request }, testInfo) => {
  const reference = await pledge(request, ownAmount(testInfo, 720), "Ho Wing Sze");
  await signIn(page, financeAccount(testInfo.project.name));
  await confirmByHand(page, reference, testInfo);
  await expect(page.getByRole("status")).toContainText("Recorded as paid");
  await expectAccessible(page, testInfo);
  await page.getByRole("button", { name: "Undo this confirmation" }).click();
  await expect(page.getByRole("status")).toContainText("The confirmation was undone");
  await expect(page.locator("main")).toContainText("Voided");
  await expect(page.getByRole("button", { name: "Undo this confirmation" })).toHaveCount(0);
  // The pledge waits again, ready to confirm.
  await expect(page.getByRole("heading", { name: "Confirm the transfer" })).toBeVisible();
});

test("a cheque gift is receipted and a bounced cheque voids it", async ({ page }, testInfo) => {
  await signIn(page, financeAccount(testInfo.project.name));
  await page.getByRole("link", { name: "Cheque or cash gift" }).click();
  await expect(page.getByRole("heading", { level: 1, name: "Record a cheque or cash gift" })).toBeVisible();
  await expectAccessible(page, testInfo);
  const cheque = `${Date.now() % 1_000_000}`.padStart(6, "0");
  await page.getByLabel("Name", { exact: true }).fill("Ng Chi Ming");
  await page.getByLabel("Email").fill("cheque@example.org");
  await page.getByLabel("Amount received").fill(ownAmount(testInfo, 830));
  await page.getByLabel("Paid by").selectOption("cheque");
  await page.getByLabel("Cheque number (for a cheque)").fill(cheque);
  await page.getByRole("button", { name: "Record the gift" }).click();
  await expect(page).toHaveURL(/\/admin\/donations\/LBC-[2-9A-Z]{6}\?done=gift_recorded$/);
  await expect(page.getByRole("status")).toContainText("The gift is recorded");
  await expect(page.locator("main")).toContainText(`Cheque ${cheque}`);
  await expect(page.getByRole("region", { name: "Receipts" }).locator("tbody tr")).toHaveCount(1);
  await expectAccessible(page, testInfo);
  await page.getByRole("button", { name: "Cheque bounced" }).click();
  await expect(page.getByRole("status")).toContainText("recorded as bounced");
  await expect(page.locator("main")).toContainText("the cheque bounced");
});
