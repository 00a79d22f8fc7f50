import { expect, test, type Page } from "@playwright/test";
import { jsEnabled, waitForIslands } from "./helpers";

// Giving, in every project: JavaScript on and off, phone and desktop. The same steps must work
// either way; where the page behaves differently (instant checks), the test says which.

async function fillDonor(page: Page, email = "playwright@example.org") {
  await page.getByLabel("Email address (required)").fill(email);
  await page.getByLabel("Your name", { exact: true }).fill("Lam Ka Yan");
}

test.describe("the donation widget", () => {
  test("a donor picks a preset, switches to monthly, types their own amount and reaches the thank-you page", async ({ page }, testInfo) => {
    await page.goto("/en/donate");
    await waitForIslands(page, testInfo);
    const amounts = page.getByRole("group", { name: "Choose an amount" });
    await amounts.getByRole("radio", { name: /HK\$600/ }).check();
    await expect(amounts.getByRole("radio", { name: /HK\$600/ })).toBeChecked();
    await page.getByRole("radio", { name: "Every month" }).check();

    // The amount box appears with "Another amount", and only then.
    const custom = page.getByLabel("Your amount (HKD)");
    await expect(custom).toBeHidden();
    await amounts.getByRole("radio", { name: "Another amount" }).check();
    await custom.fill("275");
    await fillDonor(page);
    await page.getByRole("button", { name: "Continue to payment details" }).click();

    await expect(page).toHaveURL(/\/en\/donations\/LBC-[2-9A-HJKMNP-Z]{6}$/); // the key is kept in a cookie, not the address
    await expect(page.getByRole("heading", { level: 1 })).toHaveText("Thank you, Lam Ka Yan");
    await expect(page.getByText("You have pledged HK$275 every month.")).toBeVisible();
    const reference = (await page.locator("[data-reference]").textContent())!;
    expect(reference).toMatch(/^LBC-[2-9A-HJKMNP-Z]{6}$/);
    await expect(page.getByRole("heading", { name: "How to pay" })).toBeVisible();
    await expect(page.getByRole("img", { name: /FPS QR code/ })).toBeVisible();
    await expect(page.locator(".pay-details").first()).toContainText(reference);
  });

  test("an invalid email is explained next to the field, and nothing is lost", async ({ page }, testInfo) => {
    await page.goto("/en/donate");
    await waitForIslands(page, testInfo);
    const email = page.getByLabel("Email address (required)");
    const error = page.locator("#email-error");
    await page.getByLabel("Your name", { exact: true }).fill("Lam Ka Yan");
    await email.fill("lam.at.example.org");
    if (jsEnabled(testInfo)) {
      // Checked as the donor leaves the field, before any submit.
      await email.press("Tab");
      await expect(error).toHaveText("Enter an email address like name@example.com.");
      await expect(email).toHaveAttribute("aria-invalid", "true");
      await page.getByRole("button", { name: "Continue to payment details" }).click();
      await expect(page).toHaveURL(/\/en\/donate$/);
      await expect(email).toBeFocused();
    } else {
      await page.getByRole("button", { name: "Continue to payment details" }).click();
      await expect(page).toHaveURL(/\/en\/donate$/);
      await expect(page.getByRole("alert")).toContainText("Please check 1 thing(s) below");
      await expect(error).toHaveText("Enter an email address like name@example.com.");
      await expect(email).toHaveAttribute("aria-invalid", "true");
    }
    await expect(email).toHaveValue("lam.at.example.org");
    // The error is tied to its field for screen readers.
    await expect(email).toHaveAttribute("aria-describedby", /email-error/);

    // Corrected, the same form goes through.
    await email.fill("lam@example.org");
    await page.getByRole("button", { name: "Continue to payment details" }).click();
    await expect(page).toHaveURL(/\/en\/donations\/LBC-/);
  });

  test("the whole form can be completed with the keyboard alone", async ({ page }, testInfo) => {
    await page.goto("/en/donate");
    await waitForIslands(page, testInfo);
    // Tab from the top of the page to the first choice of the form.
    for (let i = 0; i < 40; i++) {
      await page.keyboard.press("Tab");
      if (await page.locator("#donate-frequency").evaluate((el) => el === document.activeElement)) break;
    }
    await expect(page.locator("#donate-frequency")).toBeFocused();
    await page.keyboard.press("ArrowRight"); // one-off → every month
    await expect(page.getByRole("radio", { name: "Every month" })).toBeChecked();
    await page.keyboard.press("Tab"); // into the amounts, on the checked preset (HK$300)
    await expect(page.locator("#donate-amount-300")).toBeFocused();
    await page.keyboard.press("ArrowRight"); // HK$300 → HK$600
    await expect(page.locator("#donate-amount-600")).toBeChecked();
    await page.keyboard.press("Tab"); // past the amount box, hidden while a preset is chosen
    await expect(page.locator("#donate-email")).toBeFocused();
    await page.keyboard.type("keyboard@example.org");
    await page.keyboard.press("Tab");
    await expect(page.locator("#donate-name")).toBeFocused();
    await page.keyboard.type("Chan Siu Ming");
    await page.keyboard.press("Tab"); // receipt choices, on "in my name"
    await expect(page.locator("#donate-receipt")).toBeFocused();
    // The name and company fields belong to other receipt choices: hidden, so not in the way.
    await page.keyboard.press("Tab"); // the folded tribute: its summary, then past it
    await expect(page.locator("details.extra > summary")).toBeFocused();
    await page.keyboard.press("Tab");
    await expect(page.locator("#donate-marketing")).toBeFocused();
    await expect(page.locator("#donate-marketing")).not.toBeChecked(); // consent starts unticked
    await page.keyboard.press("Space");
    await expect(page.locator("#donate-marketing")).toBeChecked();
    await page.keyboard.press("Tab");
    await expect(page.getByRole("link", { name: "Read our privacy notice" })).toBeFocused();
    await page.keyboard.press("Tab");
    await expect(page.locator("#donate-submit")).toBeFocused();
    await page.keyboard.press("Enter");
    await expect(page).toHaveURL(/\/en\/donations\/LBC-/);
    await expect(page.getByText("You have pledged HK$600 every month.")).toBeVisible();
  });

  test("going back and submitting the same form again finds the same donation", async ({ page }, testInfo) => {
    await page.goto("/en/donate");
    await waitForIslands(page, testInfo);
    await fillDonor(page, "again@example.org");
    await page.getByRole("button", { name: "Continue to payment details" }).click();
    await expect(page).toHaveURL(/\/en\/donations\/LBC-/);
    const first = page.url();
    await page.goBack();
    await expect(page).toHaveURL(/\/en\/donate$/);
    await waitForIslands(page, testInfo);
    // Whether the browser shows its stored page or fetches it again, the form keeps its token;
    // a fetched page also says the gift was made.
    const reference = /LBC-[2-9A-Z]{6}/.exec(first)![0];
    const notice = page.getByRole("status").filter({ hasText: "a moment ago" });
    if (await notice.count()) await expect(notice).toContainText(reference);
    await fillDonor(page, "again@example.org");
    await page.getByRole("button", { name: "Continue to payment details" }).click();
    await expect(page).toHaveURL(/\/en\/donations\/LBC-/);
    expect(page.url(), "the same reference, not a second donation").toBe(first);
  });

  test("after giving, the reader can start a new gift on purpose", async ({ page }, testInfo) => {
    await page.goto("/en/donate");
    await waitForIslands(page, testInfo);
    await fillDonor(page, "twice-on-purpose@example.org");
    await page.getByRole("button", { name: "Continue to payment details" }).click();
    await expect(page).toHaveURL(/\/en\/donations\/LBC-/);
    const first = page.url();
    await page.goto("/en/donate");
    const notice = page.getByRole("status").filter({ hasText: "a moment ago" });
    await expect(notice).toBeVisible();
    await notice.getByRole("link", { name: "Make another gift" }).click();
    await expect(notice).toHaveCount(0);
    await waitForIslands(page, testInfo);
    await fillDonor(page, "twice-on-purpose@example.org");
    await page.getByRole("button", { name: "Continue to payment details" }).click();
    await expect(page).toHaveURL(/\/en\/donations\/LBC-/);
    expect(page.url(), "a second, separate gift").not.toBe(first);
  });

  test("a prefilled link preselects the widget, and a bad one is ignored", async ({ page }) => {
    await page.goto("/en/donate?amount=600&frequency=monthly");
    await expect(page.locator("#donate-amount-600")).toBeChecked();
    await expect(page.getByRole("radio", { name: "Every month" })).toBeChecked();
    await page.goto("/en/donate?amount=88&frequency=monthly");
    await expect(page.getByRole("radio", { name: "Another amount" })).toBeChecked();
    await expect(page.getByLabel("Your amount (HKD)")).toHaveValue("88");
    const response = await page.goto("/en/donate?amount=-5e9&frequency=yearly");
    expect(response?.status()).toBe(200);
    await expect(page.locator("#donate-amount-300")).toBeChecked();
    await expect(page.getByRole("radio", { name: "Once" })).toBeChecked();
  });

  test("the home page shows the progress first and its gift section holds the widget and the privacy notice link", async ({ page }) => {
    await page.goto("/en");
    const first = page.locator(".first-screen");
    await expect(first.getByRole("progressbar", { name: "Raised so far" })).toBeVisible();
    await expect(first.locator("[data-progress-raised]")).toHaveText(/^HK\$[\d,]+$/);
    const give = page.locator("#give");
    await expect(give.getByRole("button", { name: "Continue to payment details" })).toBeVisible();
    await give.getByRole("link", { name: "Read our privacy notice" }).click();
    await expect(page).toHaveURL(/\/en\/privacy$/);
    await expect(page.getByRole("heading", { level: 1 })).toHaveText("Privacy notice for donors");
    await expect(page.getByRole("heading", { name: "How long we keep it" })).toBeVisible();
  });

  test("the widget speaks the reader's language", async ({ page }, testInfo) => {
    await page.goto("/zh-hk/donate");
    await waitForIslands(page, testInfo);
    await page.getByLabel("你的姓名", { exact: true }).fill("林嘉欣");
    await page.getByLabel("電郵地址（必填）").fill("不是電郵");
    await page.getByRole("button", { name: "下一步：付款資料" }).click();
    await expect(page.locator("#email-error")).toHaveText("請輸入有效的電郵地址，例如 name@example.com。");
  });
});

// Only the fields that apply are on screen, in every language, JavaScript on or off: the
// receipt's name with "another name", the company's with a company receipt, the amount box with
// "another amount".
for (const code of ["en", "zh-hk", "zh-cn"]) {
  test(`/${code}/donate shows each receipt choice's fields only with it`, async ({ page }, testInfo) => {
    await page.goto(`/${code}/donate`);
    await waitForIslands(page, testInfo);
    const receiptName = page.locator("#donate-receipt-name");
    const company = page.locator("#donate-company-name");
    const registration = page.locator("#donate-company-registration");
    const custom = page.locator("#donate-custom-amount");
    const choose = (id: string) => page.locator(`label[for="${id}"]`).click();

    // A receipt in one's own name and a preset amount: none of them.
    await expect(page.locator("#donate-receipt")).toBeChecked();
    for (const field of [receiptName, company, registration, custom]) await expect(field).toBeHidden();

    await choose("donate-receipt-other_name");
    await expect(receiptName).toBeVisible();
    await expect(company).toBeHidden();

    await choose("donate-receipt-company");
    await expect(company).toBeVisible();
    await expect(registration).toBeVisible();
    await expect(receiptName).toBeHidden();

    await choose("donate-receipt-none");
    for (const field of [receiptName, company, registration]) await expect(field).toBeHidden();

    await choose("donate-amount-other");
    await expect(custom).toBeVisible();
  });
}

// A choice that brings fields into view does not greet the donor with their errors: the company
// fields say nothing until the donor has been in them and left, then explain what is missing, and
// the message goes when another receipt is chosen.
test("choosing a company receipt waits for the donor to leave its fields before explaining", async ({ page }, testInfo) => {
  test.skip(!jsEnabled(testInfo), "the checks as fields are left are the island's");
  await page.goto("/en/donate");
  await waitForIslands(page, testInfo);
  const company = page.locator("#donate-company-name");
  const error = page.locator("#company-name-error");
  await page.locator('label[for="donate-receipt-company"]').click();
  await expect(company).toBeVisible();
  await expect(error).toHaveText("");
  await expect(company).not.toHaveAttribute("aria-invalid", "true");
  await expect(page.locator("#company-registration-error")).toHaveText("");

  // The donor types a name and leaves: fine. They clear it and leave: now it is explained,
  // and the registration number, which they have not been in yet, still says nothing.
  await company.fill("Harbour Trading Ltd");
  await company.press("Tab");
  await expect(error).toHaveText("");
  await company.fill("");
  await company.press("Tab");
  await expect(error).not.toHaveText("");
  await expect(company).toHaveAttribute("aria-invalid", "true");
  await expect(page.locator("#company-registration-error")).toHaveText("");

  await page.locator('label[for="donate-receipt"]').click();
  await expect(error).toHaveText("");
});

// One form everywhere: each page with a donation form offers the same choices, and each story's
// form is headed with its own words.
test("every page's donation form offers the same choices, and each story's heading is its own", async ({ page }) => {
  const choicesOn = async (path: string) => {
    await page.goto(path);
    const form = page.locator("form.donation-form");
    return form.locator("input[name]:not([type=hidden])").evaluateAll((inputs) =>
      inputs.map((input) => {
        const field = input as HTMLInputElement;
        return field.type === "radio" ? `${field.name}=${field.value}` : field.name;
      }),
    );
  };
  const donate = await choicesOn("/en/donate");
  expect(donate).toContain("receipt=company");
  expect(donate).toContain("tribute=honour");
  const headings = new Set<string>();
  for (const path of ["/en", "/embed/en/donate", "/en/stories/yiyi", "/en/stories/lele", "/en/stories/teacher-fang"]) {
    expect(await choicesOn(path), path).toEqual(donate);
    if (path.includes("/stories/")) headings.add((await page.locator("#give-heading").textContent())!.trim());
  }
  expect(headings.size, [...headings].join(" | ")).toBe(3);
});
