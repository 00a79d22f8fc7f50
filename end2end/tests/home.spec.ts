import { expect, test } from "@playwright/test";
import { waitForIslands } from "./helpers";

test.describe("the campaign page", () => {
  test("tells the campaign in order, with figures, the story and two calls to action", async ({ page }) => {
    const response = await page.goto("/en");
    expect(response?.status()).toBe(200);

    await expect(page.getByRole("heading", { level: 1 })).toHaveText("What is a left-behind child?");
    const stats = page.getByRole("list", { name: "Key figures" }).getByRole("listitem");
    await expect(stats).toHaveCount(2);
    await expect(stats.nth(0)).toContainText("6.97 million");
    await expect(stats.nth(0)).toContainText("More than");
    await expect(stats.nth(0)).toContainText("Source: Ministry of Civil Affairs");
    await expect(stats.nth(1)).toContainText("200 million");
    await expect(stats.nth(1)).toContainText("migrant workers");

    await expect(page.getByRole("heading", { name: "What we do" })).toBeVisible();
    const story = page.getByRole("article", { name: "A smile on her face, sadness in her eyes" });
    await expect(story).toContainText("Yiyi");
    await expect(story).toContainText("Age 10 · Primary 3 · a remote village in Gansu");
    const illustration = story.getByRole("img");
    await expect(illustration).toHaveAttribute("alt", /girl of about ten/);
    expect(await illustration.evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth > 0)).toBe(true);

    // The first screen's, then the two calls to action's.
    const ctas = page.getByRole("link", { name: "Give today" });
    await expect(ctas).toHaveCount(3);
    await expect(page.getByRole("contentinfo")).toContainText("(852) 3120 5000");
    await expect(page.getByRole("contentinfo")).toContainText("care@sharecare.org.hk");

    // The order of the page: figures, then the work, then the story, then the gift section.
    const order = await page.evaluate(() =>
      ["#explainer-heading", "#mission-heading", "#cta-1", "#story-yiyi", "#cta-2", "#give-heading"].map(
        (selector) => document.querySelector(selector)!.getBoundingClientRect().top + window.scrollY,
      ),
    );
    expect([...order].sort((a, b) => a - b)).toEqual(order);
  });

  test("a call to action leads to the gift section", async ({ page }, testInfo) => {
    await page.goto("/en");
    await waitForIslands(page, testInfo);
    await page.getByRole("link", { name: "Give today" }).first().click();
    await expect(page).toHaveURL(/\/en#give$/);
    await expect(page.getByRole("heading", { name: "A gift for Yiyi, and children like her" })).toBeInViewport();
  });

  test("the skip link is the first stop and moves focus to the main content", async ({ page }) => {
    await page.goto("/en");
    await page.keyboard.press("Tab");
    const skip = page.getByRole("link", { name: "Skip to main content" });
    await expect(skip).toBeFocused();
    await expect(skip).toBeInViewport();
    // Focus is visible: a real outline, not the browser default turned off.
    const outline = await skip.evaluate((el) => getComputedStyle(el).outlineStyle);
    expect(outline).not.toBe("none");
    await page.keyboard.press("Enter");
    await expect(page.locator("main")).toBeFocused();
  });

  for (const [path, lang, figure, heading] of [
    ["/en", "en", "6.97 million", "What is a left-behind child?"],
    ["/zh-hk", "zh-Hant-HK", "697萬", "甚麼是留守兒童？"],
    ["/zh-cn", "zh-Hans", "697万", "什么是留守儿童？"],
  ]) {
    test(`reads in its language at ${path}`, async ({ page }) => {
      await page.goto(path);
      await expect(page.locator("html")).toHaveAttribute("lang", lang);
      await expect(page.getByRole("heading", { level: 1 })).toHaveText(heading);
      await expect(page.locator(".stat-figure").first()).toContainText(figure);
    });
  }

  test("the language switcher keeps the reader on the same page", async ({ page }, testInfo) => {
    await page.goto("/en");
    await waitForIslands(page, testInfo);
    await page.getByRole("banner").getByRole("link", { name: "繁體中文" }).click();
    await expect(page).toHaveURL(/\/zh-hk$/);
    await expect(page.getByRole("heading", { level: 1 })).toHaveText("甚麼是留守兒童？");
    await page.getByRole("contentinfo").getByRole("link", { name: "简体中文" }).click();
    await expect(page).toHaveURL(/\/zh-cn$/);
    await expect(page.locator("html")).toHaveAttribute("lang", "zh-Hans");
  });

  test("the root address opens the reader's language", async ({ browser }, testInfo) => {
    const context = await browser.newContext({
      ...testInfo.project.use,
      baseURL: testInfo.project.use.baseURL,
      locale: "zh-HK",
    });
    const page = await context.newPage();
    await page.goto("/");
    await expect(page).toHaveURL(/\/zh-hk$/);
    await context.close();
  });

  test("fits a 320 px wide phone without sideways scrolling", async ({ page }) => {
    await page.setViewportSize({ width: 320, height: 640 });
    for (const path of ["/en", "/zh-hk"]) {
      await page.goto(path);
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
      expect(overflow, `${path} is wider than the screen`).toBeLessThanOrEqual(0);
    }
  });

  test("honours prefers-reduced-motion", async ({ page }) => {
    await page.emulateMedia({ reducedMotion: "reduce" });
    await page.goto("/en");
    expect(await page.evaluate(() => getComputedStyle(document.documentElement).scrollBehavior)).toBe("auto");
    await page.emulateMedia({ reducedMotion: "no-preference" });
    expect(await page.evaluate(() => getComputedStyle(document.documentElement).scrollBehavior)).toBe("smooth");
  });

  test("unknown addresses get a real 404 in the reader's language", async ({ page }) => {
    let response = await page.goto("/zh-cn/no-such-page");
    expect(response?.status()).toBe(404);
    await expect(page.getByRole("heading", { level: 1 })).toHaveText("找不到网页");
    response = await page.goto("/no-such-page");
    expect(response?.status()).toBe(404);
    await expect(page.getByRole("heading", { level: 1 })).toHaveText("Page not found");
    await page.getByRole("link", { name: "Go to the campaign page" }).click();
    await expect(page).toHaveURL(/\/en$/);
  });
});
