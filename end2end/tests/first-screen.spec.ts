import { expect, test } from "@playwright/test";
import { jsEnabled, layoutShift, waitForIslands } from "./helpers";

// The first screen of the campaign pages, in every project (JavaScript on and off, phone and
// desktop) and every language: the headline, the illustration, the live total and a way to give
// are visible without scrolling; the header links to the donate page; on phones a "Give" button
// follows the reader down the page and steps aside while they type; nothing shifts as it loads.

const pages: [string, string, string][] = [
  ["/en", "en", "Give"],
  ["/zh-hk", "zh-hk", "捐款"],
  ["/zh-cn", "zh-cn", "捐款"],
  ["/en/stories/lele", "en", "Give"],
  ["/zh-hk/stories/yiyi", "zh-hk", "捐款"],
  ["/zh-cn/stories/teacher-fang", "zh-cn", "捐款"],
];

for (const [path, locale, give] of pages) {
  test(`${path}: headline, illustration, live total and "Give" are on the first screen`, async ({ page }) => {
    await page.goto(path);
    const height = page.viewportSize()!.height;
    const first = page.locator(".first-screen");
    await expect(page.locator("h1")).toHaveCount(1);
    for (const element of [
      first.getByRole("heading", { level: 1 }),
      first.getByRole("img"),
      first.getByRole("progressbar"),
      first.locator("[data-progress-raised]"),
      first.locator("a.give-button"),
    ]) {
      await expect(element).toBeInViewport({ ratio: 1 });
      const box = (await element.boundingBox())!;
      expect(box.y + box.height, "above the fold").toBeLessThanOrEqual(height);
    }
    await expect(first.locator("a.give-button")).toHaveAttribute("href", "#give");
    const headerGive = page.locator("header.site-header").getByRole("link", { name: give, exact: true });
    await expect(headerGive).toHaveAttribute("href", `/${locale}/donate`);
    await expect(headerGive).toBeInViewport();
  });
}

test("on a phone a Give button follows the reader past the first screen and steps aside for typing", async ({ page }) => {
  const phone = page.viewportSize()!.width < 600;
  await page.goto("/en");
  const sticky = page.locator(".sticky-give");
  await expect(sticky).toBeHidden();
  await page.locator(".mission").scrollIntoViewIfNeeded();
  if (!phone) {
    await expect(sticky, "wide screens keep the header's link instead").toBeHidden();
    return;
  }
  await expect(sticky).toBeVisible();
  await expect(sticky).toHaveAttribute("href", "#give");
  const email = page.getByLabel("Email address (required)");
  await email.focus();
  await expect(sticky, "never over a field being filled in").toBeHidden();
  await email.blur();
  await page.locator(".mission").scrollIntoViewIfNeeded();
  await expect(sticky).toBeVisible();
  await page.locator("#give-heading").scrollIntoViewIfNeeded();
  await expect(sticky, "the gift section in view needs no second button").toBeHidden();
  await page.locator(".mission").scrollIntoViewIfNeeded();
  await sticky.click();
  await expect(page).toHaveURL(/#give$/);
});

test("nothing moves while the page loads and hydrates", async ({ page }, testInfo) => {
  if (!jsEnabled(testInfo)) {
    // Layout shift is measured by script; without it, the server's HTML is the same.
    await page.goto("/en");
    await expect(page.locator(".first-screen img")).toHaveAttribute("width", /\d+/);
    await expect(page.locator(".first-screen img")).toHaveAttribute("height", /\d+/);
    return;
  }
  for (const path of ["/en", "/zh-hk/stories/yiyi"]) {
    await page.goto(path);
    await waitForIslands(page, testInfo);
    const shift = await layoutShift(page);
    expect(shift, `cumulative layout shift on ${path}`).toBe(0);
  }
});
