// Runs only in the JavaScript-on projects (see playwright.config.ts).
import { expect, test } from "@playwright/test";
import { waitForIslands } from "./helpers";

test.describe("with JavaScript on", () => {
  test("hydrates without console errors or warnings, and the page does not shift", async ({ page }, testInfo) => {
    const problems: string[] = [];
    page.on("console", (message) => {
      if (message.type() === "error" || message.type() === "warning") problems.push(message.text());
    });
    page.on("pageerror", (error) => problems.push(error.message));
    await page.goto("/en");
    await waitForIslands(page, testInfo);
    const shift = await page.evaluate(
      () =>
        new Promise<number>((resolve) => {
          let total = 0;
          new PerformanceObserver((list) => {
            for (const entry of list.getEntries() as unknown as { value: number; hadRecentInput: boolean }[]) {
              if (!entry.hadRecentInput) total += entry.value;
            }
          }).observe({ type: "layout-shift", buffered: true });
          requestAnimationFrame(() => requestAnimationFrame(() => resolve(total)));
        }),
    );
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
});
