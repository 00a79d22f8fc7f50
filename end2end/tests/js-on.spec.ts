// Runs only in the JavaScript-on projects (see playwright.config.ts).
import { execFileSync } from "node:child_process";
import { expect, test } from "@playwright/test";
import { layoutShift, waitForIslands } from "./helpers";

test.describe("with JavaScript on", () => {
  test("hydrates without console errors or warnings, and the page does not shift", async ({ page }, testInfo) => {
    const problems: string[] = [];
    page.on("console", (message) => {
      if (message.type() === "error" || message.type() === "warning") problems.push(message.text());
    });
    page.on("pageerror", (error) => problems.push(error.message));
    for (const path of ["/en", "/en/donate"]) {
      await page.goto(path);
      await waitForIslands(page, testInfo);
    }
    await page.goto("/en");
    await waitForIslands(page, testInfo);
    const shift = await layoutShift(page);
    expect(shift, "cumulative layout shift").toBeLessThan(0.01);
    expect(problems).toEqual([]);
  });

  test("the language switcher island remembers the reader's choice for the root address", async ({ page }, testInfo) => {
    await page.goto("/en");
    await waitForIslands(page, testInfo);
    await page.getByRole("banner").getByRole("link", { name: "简体中文" }).click();
    await expect(page).toHaveURL(/\/zh-cn$/);
    // The browser still asks for English, but the reader picked Simplified Chinese.
    await page.goto("/");
    await expect(page).toHaveURL(/\/zh-cn$/);
  });

  test("the progress bar updates in an open page when a gift is confirmed", async ({ page, request }, testInfo) => {
    await page.goto("/en");
    await waitForIslands(page, testInfo);
    const raised = page.locator(".first-screen [data-progress-raised]");
    const before = (await raised.textContent())!;

    // Another donor pledges HK$300 (with its own page's token) and staff confirm the payment
    // from the command line, as they do for FPS and bank transfers.
    const form = await request.get("/en/donate?new_gift=1");
    // The token the server signed for this form (`{id}.{signature}`).
    const token = /name="token" value="([0-9a-f]{32}\.[0-9a-f]{32})"/.exec(await form.text())![1];
    const gift = await request.post("/en/donate", {
      form: { frequency: "one_off", amount: "300", currency: "HKD", email: "live@example.org", receipt: "none", token },
      maxRedirects: 0,
    });
    expect(gift.status()).toBe(303);
    const reference = /LBC-[2-9A-Z]{6}/.exec(gift.headers()["location"])![0];
    execFileSync(process.env.SHARECARE_BIN ?? "../target/release/sharecare", ["mark-paid", reference], {
      env: { ...process.env, DATABASE_URL: process.env.SHARECARE_TEST_DATABASE_URL!, CONTENT_DIR: process.env.SHARECARE_CONTENT_DIR ?? "../content" },
    });

    // No reload: the island hears the new total over server-sent events.
    await expect(raised).not.toHaveText(before, { timeout: 15_000 });
    await expect(raised).toHaveText(/^HK\$[\d,]+$/);
    await expect(page.locator(".first-screen [role=progressbar]")).toHaveAttribute("aria-valuenow", /^\d+$/);
  });

  test("a second click while submitting does not send the form twice", async ({ page }, testInfo) => {
    await page.goto("/en/donate");
    await waitForIslands(page, testInfo);
    await page.getByLabel("Email address (required)").fill("twice@example.org");
    await page.getByLabel("Your name", { exact: true }).fill("Ho Wing");
    const posts: string[] = [];
    page.on("request", (r) => { if (r.method() === "POST") posts.push(r.url()); });
    await page.getByRole("button", { name: "Continue to payment details" }).dblclick();
    await expect(page).toHaveURL(/\/en\/donations\/LBC-/);
    expect(posts).toHaveLength(1);
  });

  test("what a donor enters before the page's code arrives is kept when it wakes up", async ({ page }, testInfo) => {
    // A slow phone: the WebAssembly arrives only after the donor has started filling the form.
    let release = () => {};
    const held = new Promise<void>((resolve) => (release = resolve));
    await page.route(/\.wasm$/, async (route) => {
      await held;
      await route.continue();
    });
    await page.goto("/en/donate");
    await page.getByLabel("Email address (required)").fill("early@example.org");
    await page.getByRole("radio", { name: "Every month" }).check();
    await page.getByRole("radio", { name: /HK\$600/ }).check();
    await page.getByRole("radio", { name: "No receipt, thank you" }).check();
    release();
    await waitForIslands(page, testInfo);
    await expect(page.getByLabel("Email address (required)")).toHaveValue("early@example.org");
    await expect(page.getByRole("radio", { name: "Every month" })).toBeChecked();
    await expect(page.getByRole("radio", { name: /HK\$600/ })).toBeChecked();
    await expect(page.getByRole("radio", { name: "No receipt, thank you" })).toBeChecked();
    await page.getByRole("button", { name: "Continue to payment details" }).click();
    await expect(page.getByText("You have pledged HK$600 every month.")).toBeVisible();
  });
});
