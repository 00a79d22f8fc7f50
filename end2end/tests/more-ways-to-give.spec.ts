import { readFileSync } from "node:fs";
import { expect, test, type Page, type TestInfo } from "@playwright/test";
import { cardSite, fakeStripe, jsEnabled, mailSink, waitForIslands } from "./helpers";

// More ways to give, in every project (JavaScript on and off, phone and desktop): covering the
// card fee, a gift in someone's memory that tells a person named, and paying a transfer from
// the phone that shows its details.

type Message = { to: string[]; subject: string; text: string };

async function fillDonor(page: Page) {
  await page.getByLabel("Email address (required)").fill("more.ways@example.org");
  await page.getByLabel("Your name", { exact: true }).fill("Fong Ka Yee");
}

test("the fee shown beside the box is the fee the checkout charges", async ({ page }, testInfo) => {
  // With JavaScript the figure follows every amount chosen; without it the server shows the
  // figure for the amount the form opens with.
  const amounts = jsEnabled(testInfo) ? ["150", "300", "600", "1200", "437.50"] : ["300"];
  for (const amount of amounts) {
    await page.context().clearCookies(); // a new form (and token) for each gift
    await page.goto(`${cardSite}/en/donate`);
    await waitForIslands(page, testInfo);
    const preset = page.locator(`input[name=amount][value="${amount}"]`);
    if (await preset.count()) {
      await preset.check();
    } else {
      await page.getByLabel("Another amount").check();
      await page.getByLabel("Your amount (HKD)").fill(amount);
    }
    const box = page.getByLabel(/to cover the card fee/);
    await expect(box).not.toBeChecked();
    const shown = (await page.locator("#fee-figure").textContent())!;
    expect(shown).toMatch(/^HK\$\d+(\.\d\d)?$/);
    const fee = Math.round(Number(shown.replace(/[^0-9.]/g, "")) * 100);
    await box.check();
    await fillDonor(page);
    await page.getByRole("button", { name: "Continue to payment details" }).click();
    await expect(page).toHaveURL(new RegExp(`^${fakeStripe}/pay/cs_test_\\d+$`));
    const gift = Math.round(Number(amount) * 100);
    await expect(page.locator("#amount")).toHaveText(`${gift + fee} hkd`);
  }
  if (jsEnabled(testInfo)) {
    // A transfer costs nothing: the box goes while one is chosen.
    await page.goto(`${cardSite}/en/donate`);
    await waitForIslands(page, testInfo);
    await page.getByLabel("FPS or bank transfer").check();
    await expect(page.getByLabel(/to cover the card fee/)).toBeHidden();
    await page.getByLabel("Card, Alipay or WeChat Pay").check();
    await expect(page.getByLabel(/to cover the card fee/)).toBeVisible();
  }
});

test("a gift in memory tells the person named once it is paid; a bad address is a field error", async ({ page, request }, testInfo) => {
  await page.goto(`${cardSite}/en/donate`);
  await waitForIslands(page, testInfo);
  await page.getByText("Give in honour or in memory of someone").click();
  await page.getByLabel("In memory of someone").check();
  await page.getByLabel("Their name", { exact: true }).fill("Grandma Wong");
  await page.getByLabel("A message (optional)").fill("She taught the whole village to read.");
  await page.getByLabel("Let someone know by email").check();
  await page.getByLabel("Name of the person to tell").fill("Wong Siu Ming");
  await page.getByLabel("Their email address").fill("ming@");
  await fillDonor(page);
  await page.getByRole("button", { name: "Continue to payment details" }).click();
  // Stopped before leaving (JavaScript) or answered by the server (without): the same message.
  await expect(page.locator("#notify-email-error")).toHaveText("Enter their email address like name@example.com.");
  const contact = `ming-${testInfo.project.name}-${Date.now()}@example.org`;
  await page.getByLabel("Their email address").fill(contact);
  await page.getByRole("button", { name: "Continue to payment details" }).click();
  await expect(page).toHaveURL(new RegExp(`^${fakeStripe}/pay/`));
  await page.locator("#pay").click();
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Thank you, Fong Ka Yee");
  await expect(async () => {
    const messages: Message[] = await (await request.get(`${mailSink}/messages`)).json();
    const told = messages.filter((m) => m.to.includes(`<${contact}>`));
    expect(told).toHaveLength(1);
    expect(told[0].subject).toBe("A gift in memory of Grandma Wong");
    expect(told[0].text).toContain("Dear Wong Siu Ming,");
    expect(told[0].text).toContain("She taught the whole village to read.");
  }).toPass({ timeout: 15_000 });
});

/** A transfer pledge on the default site; its thank-you page is open. */
async function pledgeTransfer(page: Page, testInfo: TestInfo) {
  await page.goto("/en/donate?new_gift=1");
  await waitForIslands(page, testInfo);
  await page.getByLabel("Another amount").check();
  await page.getByLabel("Your amount (HKD)").fill("275.50");
  await fillDonor(page);
  await page.getByRole("button", { name: "Continue to payment details" }).click();
  await expect(page).toHaveURL(/\/en\/donations\/LBC-[2-9A-HJKMNP-Z]{6}$/);
  return (await page.locator("[data-reference]").textContent())!;
}

test("a transfer paid from the same phone: the QR image saves as a PNG, each detail copies exactly", async ({ page, context }, testInfo) => {
  const reference = await pledgeTransfer(page, testInfo);
  const download = page.waitForEvent("download");
  await page.getByRole("link", { name: "Save the QR image" }).click();
  const file = await download;
  expect(file.suggestedFilename()).toBe(`fps-${reference}.png`);
  const png = readFileSync(await file.path());
  expect(png.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));

  const details = page.locator(".pay-method").first().locator(".pay-details");
  const values = await details.locator(".copy-value").allTextContents();
  expect(values).toEqual([expect.stringMatching(/\S/), "275.50", reference]);
  const buttons = details.getByRole("button", { name: "Copy" });
  if (!jsEnabled(testInfo)) {
    // Without JavaScript: no buttons, the values are plain text to select.
    await expect(buttons).toHaveCount(0);
    return;
  }
  await context.grantPermissions(["clipboard-read", "clipboard-write"]);
  for (const [index, value] of values.entries()) {
    await details.locator(".copy-button").nth(index).click();
    await expect(details.locator(".copy-button").nth(index)).toHaveText("Copied");
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(value);
  }
});

test("the thank-you page: every target is at least 44 px square, no number breaks across lines, the bank account copies too", async ({ page }, testInfo) => {
  const reference = await pledgeTransfer(page, testInfo);
  // Each value to pay with sits on one line, however narrow the screen.
  for (const value of await page.locator(".pay .copy-value").all()) {
    const box = (await value.boundingBox())!;
    const lineHeight = await value.evaluate((el) => parseFloat(getComputedStyle(el).lineHeight));
    expect(box.height, `${await value.textContent()} on one line`).toBeLessThanOrEqual(lineHeight * 1.5);
  }
  const bank = page.locator(".pay-method").nth(1).locator(".copy-value");
  await expect(bank).toHaveText([/\d{3}-\d{3}-\d{6}-\d/, "275.50", reference]);
  // Buttons and links a thumb presses (the copy buttons appear with JavaScript).
  const targets = page.locator(".pay .copy-button:visible, .pay a.button:visible, .pay .fps-apps a:visible, .manage-link a");
  expect(await targets.count()).toBeGreaterThan(0);
  for (const target of await targets.all()) {
    const box = (await target.boundingBox())!;
    const name = (await target.textContent())?.trim();
    expect(box.height, `${name}: height`).toBeGreaterThanOrEqual(44);
    expect(box.width, `${name}: width`).toBeGreaterThanOrEqual(44);
  }
  // "Manage my gifts" has room above it.
  const manage = (await page.locator(".manage-link").boundingBox())!;
  const card = (await page.locator(".pay").boundingBox())!;
  expect(manage.y - (card.y + card.height)).toBeGreaterThanOrEqual(16);
});
