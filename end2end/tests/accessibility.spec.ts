import { execFileSync } from "node:child_process";
import AxeBuilder from "@axe-core/playwright";
import { expect, test, type Page } from "@playwright/test";
import { cardSite, fakeStripe, waitForIslands } from "./helpers";

// axe-core's WCAG 2.0/2.1/2.2 A and AA rules (contrast, names, landmarks, lang, target size...)
// and its best-practice rules (one h1, headings in order, unique landmarks...) on every page in
// every language, with JavaScript on and off, at phone and desktop sizes.
const pages = ["/en", "/zh-hk", "/zh-cn", "/en/no-such-page", "/en/donate", "/zh-hk/donate", "/zh-cn/privacy", "/en/stories/lele", "/zh-cn/stories/teacher-fang"];
for (const path of pages) {
  test(`${path} has no WCAG 2.2 AA or best-practice violations`, async ({ page }) => {
    await page.goto(path);
    await expect(page.locator("h1"), "exactly one h1").toHaveCount(1);
    const results = await new AxeBuilder({ page })
      .withTags(["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"])
      .analyze();
    const summary = results.violations.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`);
    expect(summary).toEqual([]);
  });
}

test("the donation form with errors and the thank-you page have no WCAG 2.2 AA violations", async ({ page }, testInfo) => {
  // Three audits in one flow: the time of three (one audit is what a test's timeout is for).
  test.slow();
  const audit = async () => {
    const results = await new AxeBuilder({ page })
      .withTags(["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"])
      .analyze();
    return results.violations.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`);
  };
  await page.goto("/en/donate");
  await waitForIslands(page, testInfo);
  await page.getByLabel("Email address (required)").fill("not an email");
  await page.getByLabel("Another amount").check();
  await page.getByLabel("Your amount (HKD)").fill("1");
  await page.getByRole("button", { name: "Continue to payment details" }).click();
  await expect(page.locator("#email-error")).not.toBeEmpty();
  expect(await audit()).toEqual([]);

  // The server's own answer to a bad form (what readers without JavaScript get), audited in
  // place of the live page, since axe itself needs JavaScript.
  const answer = await page.request.post("/en/donate", {
    form: { frequency: "weekly", amount: "other", custom_amount: "ten", email: "no", receipt: "own_name", token: "" },
  });
  expect(answer.status()).toBe(422);
  const body = await answer.text();
  await page.route("**/en/donate-answer", (route) => route.fulfill({ status: 200, contentType: "text/html", body }));
  await page.goto("/en/donate-answer");
  await expect(page.getByRole("alert")).toContainText("Please check");
  expect(await audit()).toEqual([]);
  await page.unroute("**/en/donate-answer");

  // A fresh page for the next steps: axe's own checks leave the audited page's form unusable
  // for Playwright's clicks.
  await page.goto("/en/donate");
  await waitForIslands(page, testInfo);
  await page.getByLabel("Email address (required)").fill("axe@example.org");
  await page.getByRole("radio", { name: "No receipt, thank you" }).check();
  await page.getByRole("radio", { name: /HK\$300/ }).check();
  await page.getByRole("button", { name: "Continue to payment details" }).click();
  await expect(page).toHaveURL(/\/en\/donations\/LBC-/);
  expect(await audit()).toEqual([]);
});

test("the card-payment widget and a card gift's pages have no WCAG 2.2 AA violations", async ({ page }, testInfo) => {
  // Three audits in one flow, as above.
  test.slow();
  const audit = async () => {
    const results = await new AxeBuilder({ page })
      .withTags(["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"])
      .analyze();
    return results.violations.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`);
  };
  await page.goto(`${cardSite}/zh-hk/donate`);
  expect(await audit()).toEqual([]);

  // A fresh page: axe leaves the audited form unusable for clicks.
  await page.goto(`${cardSite}/en/donate`);
  await waitForIslands(page, testInfo);
  await page.getByLabel("Email address (required)").fill("axe.card@example.org");
  await page.getByRole("radio", { name: "No receipt, thank you" }).check();
  await page.getByRole("button", { name: "Continue to payment details" }).click();
  await expect(page).toHaveURL(new RegExp(`^${fakeStripe}/pay/`));
  await page.locator("#cancel").click();
  await expect(page.getByRole("button", { name: "Continue to secure payment" })).toBeVisible();
  expect(await audit()).toEqual([]);
  // The "being confirmed" state of the same gift.
  await page.goto(page.url().replace("checkout=cancelled", "checkout=success"));
  await expect(page.locator("[data-payment-status]")).toBeVisible();
  expect(await audit()).toEqual([]);
});

// The staff admin, one test per page: each audit is timed on its own (the donations list grows
// with every other test's gifts), so no test's outcome depends on how many pages share it.
test.describe("the staff admin", () => {
  let email = "";
  const password = "a long enough password";
  test.beforeAll(({}, testInfo) => {
    email = `axe-${testInfo.project.name}-${testInfo.workerIndex}-${Date.now()}@example.org`;
    execFileSync(process.env.SHARECARE_BIN ?? "../target/release/sharecare", ["admin", "add-user", email, "--role", "admin"], {
      input: `${password}\n`,
      env: { ...process.env, DATABASE_URL: process.env.SHARECARE_TEST_DATABASE_URL!, CONTENT_DIR: process.env.SHARECARE_CONTENT_DIR ?? "../content" },
    });
  });
  const audit = async (page: Page) => {
    const results = await new AxeBuilder({ page })
      .withTags(["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"])
      .analyze();
    return results.violations.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`);
  };
  const signIn = async (page: Page) => {
    await page.goto("/admin/sign-in");
    await page.getByLabel("Email").fill(email);
    await page.getByLabel("Password").fill(password);
    await page.getByRole("button", { name: "Sign in" }).click();
    await expect(page).not.toHaveURL(/\/admin\/sign-in/);
  };

  test("the sign-in page has no WCAG 2.2 AA violations", async ({ page }) => {
    await page.goto("/admin/sign-in");
    expect(await audit(page)).toEqual([]);
  });
  for (const path of ["/admin", "/admin/donations", "/admin/statements", "/admin/gifts/new", "/admin/exceptions", "/admin/audit", "/admin/users", "/admin/account"]) {
    test(`${path} has no WCAG 2.2 AA violations`, async ({ page }) => {
      await signIn(page);
      await page.goto(path);
      expect(await audit(page), path).toEqual([]);
    });
  }
  test("the admin in Traditional Chinese has no WCAG 2.2 AA violations", async ({ page }) => {
    await signIn(page);
    await page.goto("/admin");
    await page.getByRole("button", { name: "繁體中文" }).click();
    await expect(page.locator("html")).toHaveAttribute("lang", "zh-Hant-HK");
    expect(await audit(page)).toEqual([]);
  });
});

// Form controls take the page's type size, not the browser's 13 px for buttons: "Send me a
// code" and "Open my gifts" as legible as the words around them, in every language.
for (const path of ["/en/my-gifts", "/zh-hk/my-gifts", "/zh-cn/donate", "/en/donate"]) {
  test(`${path}: every button and field is set in the page's type, 14 px or more`, async ({ page }) => {
    await page.goto(path);
    const sizes = await page.locator("main button, main input:not([type=radio]):not([type=checkbox]):not([type=hidden]), main select, main textarea").evaluateAll((controls) =>
      controls
        .filter((control) => (control as HTMLElement).offsetParent !== null)
        .map((control) => ({ control: control.outerHTML.slice(0, 60), px: parseFloat(getComputedStyle(control).fontSize) })),
    );
    expect(sizes.length).toBeGreaterThan(0);
    expect(sizes.filter((size) => size.px < 14)).toEqual([]);
  });
}
