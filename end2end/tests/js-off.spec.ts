// Runs only in the JavaScript-off projects (see playwright.config.ts).
import { expect, test } from "@playwright/test";

test.describe("with JavaScript off", () => {
  test("the page is complete without scripts, and the root follows the browser's language", async ({ page }) => {
    await page.goto("/en");
    await expect(page.locator('[data-hydrated="false"]').first()).toBeAttached();
    // The first screen's and the two calls to action's.
    await expect(page.getByRole("link", { name: "Give today" })).toHaveCount(3);
    await page.getByRole("banner").getByRole("link", { name: "简体中文" }).click();
    await expect(page).toHaveURL(/\/zh-cn$/);
    // Without the island nothing is remembered: the root follows Accept-Language (en-GB).
    await page.goto("/");
    await expect(page).toHaveURL(/\/en$/);
  });

  test("the progress bar is drawn by the server", async ({ page }) => {
    await page.goto("/en");
    const bar = page.locator(".first-screen [role=progressbar]");
    const percent = Number(await bar.getAttribute("aria-valuenow"));
    expect(percent).toBeGreaterThanOrEqual(0);
    expect(percent).toBeLessThanOrEqual(100);
    // The fill is an SVG rectangle whose width is the percentage (no inline styles: CSP).
    const fill = await bar.locator(".progress-fill rect").getAttribute("width");
    expect(fill).toBe(`${percent}`);
  });
});
