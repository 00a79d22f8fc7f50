import { readFileSync } from "node:fs";
import AxeBuilder from "@axe-core/playwright";
import { expect, test, type APIRequestContext, type Page } from "@playwright/test";
import { cardSite, fakeStripe, jsEnabled, mailSink, waitForIslands } from "./helpers";

// "My gifts" in every project (JavaScript on and off, phone and desktop), on the site with cards
// on: a monthly donor follows the link on the thank-you page, signs in with the code the SMTP
// sink received, pauses the gift (shown once the fake Stripe's webhook confirms it) and downloads
// a receipt's PDF. With JavaScript on, axe audits each page on the way.

type Message = { to: string[]; subject: string; text: string };

/** The 6-digit code in the newest sign-in message to `email`. */
async function codeFor(request: APIRequestContext, email: string): Promise<string> {
  let code = "";
  await expect(async () => {
    const messages: Message[] = await (await request.get(`${mailSink}/messages`)).json();
    const mine = messages.filter((m) => m.to.includes(`<${email}>`) && m.subject.includes("code for My gifts"));
    const match = mine.at(-1)?.text.match(/Your code is (\d{6})/);
    expect(match, "a sign-in code arrived").toBeTruthy();
    code = match![1];
  }).toPass({ timeout: 15_000 });
  return code;
}

async function axeClean(page: Page, testInfo: Parameters<typeof jsEnabled>[0]) {
  // axe runs inside the page, so only with JavaScript on; the HTML is the server's either way.
  if (!jsEnabled(testInfo)) return;
  const results = await new AxeBuilder({ page })
    .withTags(["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"])
    .analyze();
  expect(results.violations.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`)).toEqual([]);
}

test("a monthly donor signs in with the emailed code, pauses the gift and downloads a receipt", async ({ page, request }, testInfo) => {
  const email = `monthly.${testInfo.project.name}.${Date.now()}@example.org`;
  await page.goto(`${cardSite}/en/donate?amount=300&frequency=monthly`);
  await waitForIslands(page, testInfo);
  await page.getByLabel("Email address (required)").fill(email);
  await page.getByLabel("Your name", { exact: true }).fill("Lam Ka Yan");
  await page.getByRole("button", { name: "Continue to payment details" }).click();
  await expect(page).toHaveURL(new RegExp(`^${fakeStripe}/pay/cs_test_\\d+$`));
  await page.locator("#pay").click();
  await expect(page.getByText("We have received your payment.")).toBeVisible();

  // From the thank-you page to My gifts.
  await page.getByRole("link", { name: "Manage my gifts" }).click();
  await expect(page).toHaveURL(`${cardSite}/en/my-gifts`);
  await waitForIslands(page, testInfo);
  await axeClean(page, testInfo);
  await page.getByLabel("Email address").fill(email);
  await page.getByRole("button", { name: "Send me a code" }).click();
  await expect(page.getByRole("status")).toContainText(`If ${email} has gifts with us`);
  await expect(page.getByRole("button", { name: "Send a new code" })).toBeVisible();
  await axeClean(page, testInfo);
  await page.getByLabel("The 6-digit code").fill(await codeFor(request, email));
  await page.getByRole("button", { name: "Open my gifts" }).click();
  await expect(page).toHaveURL(`${cardSite}/en/my-gifts`);
  await expect(page.getByText(`Signed in as ${email}.`)).toBeVisible();
  const gift = page.locator("article.my-gift");
  await expect(gift).toHaveCount(1);
  await expect(gift).toContainText("HK$300 every month");
  await axeClean(page, testInfo);

  // Pause for a month: asked at once, shown once the payment service confirms it.
  await gift.getByLabel("Pause for").selectOption("1");
  await gift.getByRole("button", { name: "Pause", exact: true }).click();
  await expect(page.getByRole("status")).toContainText("Asked.");
  await expect(async () => {
    await page.goto(`${cardSite}/en/my-gifts`);
    await expect(page.locator("article.my-gift")).toContainText("Paused until", { timeout: 500 });
  }).toPass({ timeout: 15_000 });
  await expect(page.locator("article.my-gift").getByRole("button", { name: "Start again" })).toBeVisible();

  // The receipt of the first month, as a PDF.
  const downloading = page.waitForEvent("download");
  await page.locator("article.my-gift").getByRole("link", { name: /^Receipt 20\d\d-\d\d\/\d{6} for HK\$300 \(PDF\)$/ }).click();
  const download = await downloading;
  expect(download.suggestedFilename()).toMatch(/\.pdf$/);
  const pdf = readFileSync(await download.path());
  expect(pdf.subarray(0, 5).toString()).toBe("%PDF-");
  expect(pdf.length).toBeGreaterThan(2_000);
});

test("a wrong code is refused with one plain message, and the link's page asks for a press", async ({ page }, testInfo) => {
  await page.goto(`${cardSite}/zh-hk/my-gifts`);
  await waitForIslands(page, testInfo);
  await page.getByLabel("電郵地址").fill("nobody.at.all@example.org");
  await page.locator("form.my-form button[type=submit]").click();
  await page.locator("#code").fill("123456");
  await page.locator("form.my-form button[type=submit]").click();
  await expect(page.getByRole("alert")).toHaveText("驗證碼或連結不正確、已使用或已過期，請重新索取。");
  await axeClean(page, testInfo);
  await page.goto(`${cardSite}/en/my-gifts/link?token=0123456789abcdef0123456789abcdef`);
  await expect(page.getByRole("button", { name: "Open my gifts" })).toBeVisible();
  await axeClean(page, testInfo);
  await page.getByRole("button", { name: "Open my gifts" }).click();
  await expect(page.getByRole("alert")).toContainText("That code or link is not right");
});
