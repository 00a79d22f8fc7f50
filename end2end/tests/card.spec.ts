import { expect, test, type Page } from "@playwright/test";
import { cardSite, fakeStripe, jsEnabled, waitForIslands } from "./helpers";

// Card gifts on the site with Stripe on, against the tests' fake Stripe: in every project
// (JavaScript on and off, phone and desktop). Card details are only ever entered on the
// provider's page, so ours must never have a card field.

const noCardFields =
  'input[autocomplete^="cc-"], input[name*="cvc" i], input[name*="cvv" i], input[name*="cardnumber" i], input[name*="card_number" i]';

async function giveByCard(page: Page, testInfo: Parameters<typeof waitForIslands>[1]) {
  await page.goto(`${cardSite}/en/donate`);
  await waitForIslands(page, testInfo);
  await expect(page.locator(noCardFields)).toHaveCount(0);
  const methods = page.getByRole("group", { name: "How would you like to pay?" });
  await expect(methods.getByRole("radio", { name: /Card, Alipay or WeChat Pay/ })).toBeChecked();
  await page.getByLabel("Email address (required)").fill("card.donor@example.org");
  await page.getByLabel("Your name", { exact: true }).fill("Ng Siu Ming");
  await page.getByRole("button", { name: "Continue to payment details" }).click();
  // The provider's hosted page, reached by a plain 303 (so also with JavaScript off).
  await expect(page).toHaveURL(new RegExp(`^${fakeStripe}/pay/cs_test_\\d+$`));
  await expect(page.getByRole("heading", { name: "Fake Stripe Checkout" })).toBeVisible();
  await expect(page.locator("#amount")).toHaveText("30000 hkd");
  return page.url();
}

const backOnOurSite = new RegExp(
  // The key leaves the address after the first visit (it is kept in the gift's cookie).
  `^${cardSite}/en/donations/LBC-[2-9A-HJKMNP-Z]{6}\\?checkout=(success|cancelled)$`,
);

test.describe("card gifts through the hosted checkout", () => {
  test("the donor pays on the provider's page and comes back to a confirmed gift", async ({ page }, testInfo) => {
    await giveByCard(page, testInfo);
    await page.locator("#pay").click();
    await expect(page).toHaveURL(backOnOurSite);
    await expect(page.getByRole("heading", { level: 1 })).toHaveText("Thank you, Ng Siu Ming");
    await expect(page.getByText("We have received your payment.")).toBeVisible();
    await expect(page.locator(noCardFields)).toHaveCount(0);
  });

  test("a confirmation that lands after the donor is back is shown when it does", async ({ page }, testInfo) => {
    await giveByCard(page, testInfo);
    await page.locator("#pay-slow").click();
    await expect(page).toHaveURL(backOnOurSite);
    const status = page.locator("[data-payment-status]");
    await expect(status).toHaveText("Your payment is being confirmed. This usually takes a few seconds.");
    if (jsEnabled(testInfo)) {
      // The page updates itself, without a reload.
      await waitForIslands(page, testInfo);
      await expect(status).toHaveText(/We have received your payment/, { timeout: 15_000 });
      await expect(status).toHaveAttribute("data-payment-status", "paid");
    } else {
      // Without JavaScript the page says to reload, and a reload shows the news.
      await expect(page.getByText("If it does not, reload it in a moment.")).toBeVisible();
      await expect
        .poll(
          async () => {
            await page.reload();
            return page.locator('[data-payment-status="paid"]').count();
          },
          { timeout: 15_000, intervals: [500] },
        )
        .toBe(1);
    }
  });

  test("leaving the checkout unpaid, the donor can go back to it or pay by transfer", async ({ page }, testInfo) => {
    const checkout = await giveByCard(page, testInfo);
    await page.locator("#cancel").click();
    await expect(page).toHaveURL(backOnOurSite);
    await expect(page.getByText("Your card payment has not been completed, and nothing has been charged.")).toBeVisible();
    await expect(page.getByRole("heading", { name: "How to pay" })).toBeVisible();
    await page.getByRole("button", { name: "Continue to secure payment" }).click();
    // The same session as before, not a second one.
    await expect(page).toHaveURL(checkout);
  });
});
