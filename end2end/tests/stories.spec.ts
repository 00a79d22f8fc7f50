import { expect, test } from "@playwright/test";
import { waitForIslands } from "./helpers";

// Story pages, in every project (JavaScript on and off, phone and desktop).

test("the home page leads to each story's own page, where the widget takes a gift", async ({ page }, testInfo) => {
  await page.goto("/en");
  const stories = page.getByRole("region", { name: "Read their stories" });
  await expect(stories.getByRole("link")).toHaveCount(3);
  await stories.getByRole("link", { name: /^Lele:/ }).click();
  await expect(page).toHaveURL(/\/en\/stories\/lele$/);
  await expect(page.getByRole("heading", { level: 2, name: "His parents are far away; his eyes are on the stars" })).toBeVisible();
  await expect(page.getByRole("img", { name: /boy sitting on a low wall/ })).toBeVisible();
  await expect(page.locator("[data-progress-raised]")).toBeVisible();

  await waitForIslands(page, testInfo);
  await page.getByLabel("Email address (required)").fill("story.reader@example.org");
  await page.getByLabel("Your name", { exact: true }).fill("Cheung Wai");
  await page.getByRole("button", { name: "Continue to payment details" }).click();
  await expect(page).toHaveURL(/\/en\/donations\/LBC-[2-9A-HJKMNP-Z]{6}\?key=[0-9a-f]{32}$/);
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Thank you, Cheung Wai");
});

test("a story in Chinese, and an unknown story", async ({ page }) => {
  await page.goto("/zh-hk/stories/teacher-fang");
  await expect(page.locator("html")).toHaveAttribute("lang", "zh-Hant-HK");
  await expect(page.getByText("老師的故事")).toBeVisible();
  const response = await page.goto("/zh-hk/stories/nobody");
  expect(response?.status()).toBe(404);
});
