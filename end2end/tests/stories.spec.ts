import { expect, test } from "@playwright/test";
import { waitForIslands } from "./helpers";

// Story pages, in every project (JavaScript on and off, phone and desktop).

test("the home page leads to each story's own page, where the widget takes a gift", async ({ page }, testInfo) => {
  await page.goto("/en");
  const stories = page.getByRole("region", { name: "Read their stories" });
  await expect(stories.getByRole("link")).toHaveCount(3);
  await stories.getByRole("link", { name: /^Lele:/ }).click();
  await expect(page).toHaveURL(/\/en\/stories\/lele$/);
  await expect(page.getByRole("heading", { level: 1, name: "His parents are far away; his eyes are on the stars" })).toBeVisible();
  await expect(page.getByRole("img", { name: /boy sitting on a low wall/ })).toBeVisible();
  await expect(page.locator("[data-progress-raised]")).toBeVisible();

  await waitForIslands(page, testInfo);
  await page.getByLabel("Email address (required)").fill("story.reader@example.org");
  await page.getByLabel("Your name", { exact: true }).fill("Cheung Wai");
  await page.getByRole("button", { name: "Continue to payment details" }).click();
  await expect(page).toHaveURL(/\/en\/donations\/LBC-[2-9A-HJKMNP-Z]{6}$/); // the key is kept in a cookie, not the address
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Thank you, Cheung Wai");
});

test("a story in Chinese, and an unknown story", async ({ page }) => {
  await page.goto("/zh-hk/stories/teacher-fang");
  await expect(page.locator("html")).toHaveAttribute("lang", "zh-Hant-HK");
  await expect(page.getByText("老師的故事")).toBeVisible();
  const response = await page.goto("/zh-hk/stories/nobody");
  expect(response?.status()).toBe(404);
});

test("the share bar links carry the story's address and words; WeChat gets a QR code", async ({ page, context }, testInfo) => {
  await page.goto("/en/stories/yiyi");
  const bar = page.getByRole("region", { name: "Share this story" });
  const url = new URL("/en/stories/yiyi", page.url()).toString();
  const text = "Yiyi: A smile on her face, sadness in her eyes";
  const encodedUrl = encodeURIComponent(url);
  const expected: Record<string, string> = {
    WhatsApp: `https://wa.me/?text=${encodeURIComponent(text)}%20${encodedUrl}`,
    Facebook: `https://www.facebook.com/sharer/sharer.php?u=${encodedUrl}`,
    X: `https://x.com/intent/tweet?url=${encodedUrl}&text=${encodeURIComponent(text)}`,
    Weibo: `https://service.weibo.com/share/share.php?url=${encodedUrl}&title=${encodeURIComponent(text)}`,
    LINE: `https://social-plugins.line.me/lineit/share?url=${encodedUrl}`,
    Email: `mailto:?subject=${encodeURIComponent(text)}&body=${encodedUrl}`,
  };
  for (const [name, href] of Object.entries(expected)) {
    await expect(bar.getByRole("link", { name, exact: true })).toHaveAttribute("href", href);
  }
  await expect(bar.getByRole("img", { name: "QR code of this page's link, for WeChat" }).locator("svg")).toBeVisible();
  const link = bar.getByLabel("Link to copy");
  await expect(link).toHaveValue(url);

  if (testInfo.project.use.javaScriptEnabled === false) {
    // Without JavaScript: the link is there to copy by hand; no button that would do nothing.
    await expect(bar.getByRole("button", { name: "Copy link" })).toBeHidden();
  } else {
    await waitForIslands(page, testInfo);
    await context.grantPermissions(["clipboard-read", "clipboard-write"]);
    await bar.getByRole("button", { name: "Copy link" }).click();
    await expect(bar.getByRole("status")).toHaveText("Link copied");
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(url);
  }
});

test("a personal share link counts what it raises", async ({ page }, testInfo) => {
  await page.goto("/en/stories/teacher-fang");
  await page.getByRole("button", { name: "Get my share link" }).click();
  await expect(page).toHaveURL(/\/en\/referrals\/[2-9A-HJKMNP-Z]{10}$/);
  await expect(page.getByText("Number of gifts: 0")).toBeVisible();
  const personal = await page.getByLabel("Link to copy").inputValue();
  expect(personal).toMatch(/\/en\/stories\/teacher-fang\?ref=[2-9A-HJKMNP-Z]{10}$/);

  // Someone opens the link and gives.
  await page.goto(personal);
  await waitForIslands(page, testInfo);
  await page.getByLabel("Email address (required)").fill("friend@example.org");
  await page.getByRole("radio", { name: "No receipt, thank you" }).check();
  await page.getByRole("button", { name: "Continue to payment details" }).click();
  await expect(page).toHaveURL(/\/en\/donations\/LBC-/);
});
