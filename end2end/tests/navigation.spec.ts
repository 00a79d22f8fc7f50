import { expect, test, type Page } from "@playwright/test";
import { jsEnabled, waitForIslands } from "./helpers";

// Moving between the campaign's pages (src/navigation.js), in every project. With JavaScript on
// the page is swapped without a reload: the live total's one stream stays open, focus lands on
// the new page's heading, the title and language follow, Back and Forward work, and giving
// still works. With JavaScript off every link is an ordinary page load.

/** Counts the EventSources the page opens, and marks the document to tell a reload from a swap. */
async function watch(page: Page) {
  await page.addInitScript(() => {
    const Native = window.EventSource;
    const opened: EventSource[] = [];
    (window as any).__sources = opened;
    (window as any).EventSource = function (url: string, init?: EventSourceInit) {
      const source = new Native(url, init);
      opened.push(source);
      return source;
    };
    (window as any).EventSource.prototype = Native.prototype;
    (window as any).__loadedAt = Math.random();
  });
}

const loadMark = (page: Page) => page.evaluate(() => (window as any).__loadedAt as number | undefined);
const openStreams = (page: Page) =>
  page.evaluate(() => ((window as any).__sources as EventSource[]).filter((s) => s.readyState !== 2 /* CLOSED */).map((s) => new URL(s.url).pathname));
const allStreams = (page: Page) => page.evaluate(() => ((window as any).__sources as EventSource[]).length);

test("home → story → donate → Back and Forward: no reloads, one live-total stream, focus on the heading", async ({ page }, testInfo) => {
  test.skip(!jsEnabled(testInfo), "JavaScript on; the JS-off test is below");
  await watch(page);
  await page.goto("/en");
  await waitForIslands(page, testInfo);
  const mark = await loadMark(page);
  await expect.poll(() => openStreams(page)).toEqual(["/api/progress"]);
  const homeTitle = await page.title();

  // To a story, through the home page's link to it.
  await page.locator('main a[href="/en/stories/lele"]').first().click();
  await expect(page).toHaveURL(/\/en\/stories\/lele$/);
  await expect(page.locator("h1")).toHaveCount(1);
  await expect(page.locator("h1")).toBeFocused();
  await expect(page).not.toHaveTitle(homeTitle);
  await waitForIslands(page, testInfo);
  expect(await loadMark(page), "the page was swapped, not reloaded").toBe(mark);

  // To the donate page in another language, through the header's links.
  await page.locator("header").getByRole("link", { name: "繁體中文" }).click();
  await expect(page).toHaveURL(/\/zh-hk\/stories\/lele$/);
  await expect(page.locator("html")).toHaveAttribute("lang", "zh-Hant-HK");
  await page.locator("header.site-header").getByRole("link", { name: "捐款", exact: true }).click();
  await expect(page).toHaveURL(/\/zh-hk\/donate$/);
  await expect(page.locator("h1")).toBeFocused();
  await waitForIslands(page, testInfo);
  expect(await loadMark(page)).toBe(mark);
  const metaDescription = await page.locator('meta[name="description"]').getAttribute("content");
  expect(metaDescription, "the head's tags follow the page").toMatch(/[\u4e00-\u9fff]/);
  await expect(page.locator('meta[name="description"]')).toHaveCount(1);
  await expect(page.locator('link[rel="canonical"]')).toHaveAttribute("href", /\/zh-hk\/donate$/);

  // Back twice, then Forward: the pages come back, still without a reload.
  await page.goBack();
  await expect(page).toHaveURL(/\/zh-hk\/stories\/lele$/);
  await expect(page.locator("html")).toHaveAttribute("lang", "zh-Hant-HK");
  await page.goBack();
  await expect(page).toHaveURL(/\/en\/stories\/lele$/);
  await expect(page.locator("html")).toHaveAttribute("lang", "en");
  await expect(page.locator("h1")).toBeFocused();
  await page.goForward();
  await expect(page).toHaveURL(/\/zh-hk\/stories\/lele$/);
  expect(await loadMark(page)).toBe(mark);

  // One stream the whole way, and the islands of the pages swapped in are awake.
  expect(await allStreams(page)).toBe(1);
  expect(await openStreams(page)).toEqual(["/api/progress"]);
  await waitForIslands(page, testInfo);
});

test("scroll comes back with Back, as after a page load", async ({ page }, testInfo) => {
  test.skip(!jsEnabled(testInfo), "JavaScript on");
  await watch(page);
  await page.goto("/en");
  await waitForIslands(page, testInfo);
  const link = page.locator('main a[href="/en/stories/lele"]').first();
  await link.scrollIntoViewIfNeeded();
  const scrolled = await page.evaluate(() => scrollY);
  expect(scrolled).toBeGreaterThan(0);
  // The position is saved once scrolling settles: wait for that, not for a time.
  await expect.poll(() => page.evaluate(() => history.state?.scroll)).toBe(scrolled);
  await link.click();
  await expect(page).toHaveURL(/\/en\/stories\/lele$/);
  await expect.poll(() => page.evaluate(() => scrollY)).toBe(0);
  await page.goBack();
  await expect(page).toHaveURL(/\/en$/);
  await expect.poll(() => page.evaluate(() => Math.round(scrollY))).toBe(Math.round(scrolled));
});

test("a live total sent after moving pages reaches the new page", async ({ page }, testInfo) => {
  test.skip(!jsEnabled(testInfo), "JavaScript on");
  await watch(page);
  await page.goto("/en");
  await waitForIslands(page, testInfo);
  await page.locator("header.site-header").getByRole("link", { name: "Give", exact: true }).click();
  await expect(page).toHaveURL(/\/en\/donate$/);
  await waitForIslands(page, testInfo);
  // Fire a progress event on the one stream, as the server does when a gift is confirmed.
  await page.evaluate(() => {
    const source = ((window as any).__sources as EventSource[])[0];
    source.dispatchEvent(new MessageEvent("progress", { data: "123456700 4321 100000000 1 HKD" }));
  });
  await expect(page.locator("main [data-progress-supporters]").first()).toHaveText("4,321");
  expect(await allStreams(page)).toBe(1);
});

test("giving works after moving to the donate page without a reload", async ({ page }, testInfo) => {
  test.skip(!jsEnabled(testInfo), "JavaScript on");
  await watch(page);
  await page.goto("/en/stories/lele");
  await waitForIslands(page, testInfo);
  const mark = await loadMark(page);
  await page.locator("header.site-header").getByRole("link", { name: "Give", exact: true }).click();
  await expect(page).toHaveURL(/\/en\/donate$/);
  await waitForIslands(page, testInfo);
  expect(await loadMark(page)).toBe(mark);
  const email = page.getByLabel("Email address (required)");
  // The form's checks run in the swapped-in page too.
  await email.fill("not-an-email");
  await email.press("Tab");
  await expect(page.locator("#email-error")).toHaveText("Enter an email address like name@example.com.");
  await email.fill("navigator@example.org");
  await page.getByLabel("Your name", { exact: true }).fill("Chan Tai Man");
  await page.getByRole("group", { name: "Choose an amount" }).getByRole("radio", { name: /HK\$300/ }).check();
  await page.getByRole("button", { name: "Continue to payment details" }).click();
  await expect(page).toHaveURL(/\/en\/donations\/LBC-[2-9A-HJKMNP-Z]{6}$/);
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Thank you, Chan Tai Man");
});

test("without JavaScript every link is an ordinary page load", async ({ page }, testInfo) => {
  test.skip(jsEnabled(testInfo), "JavaScript off");
  await page.goto("/en");
  await page.locator('main a[href="/en/stories/lele"]').first().click();
  await expect(page).toHaveURL(/\/en\/stories\/lele$/);
  await expect(page.locator("h1")).toHaveCount(1);
  await page.locator("header.site-header").getByRole("link", { name: "Give", exact: true }).click();
  await expect(page).toHaveURL(/\/en\/donate$/);
  await expect(page.getByRole("button", { name: "Continue to payment details" })).toBeVisible();
  await page.goBack();
  await expect(page).toHaveURL(/\/en\/stories\/lele$/);
  await expect(page.locator("h1")).toHaveCount(1);
});

test("a stream the browser gave up on is replaced on the next page, not joined", async ({ page }, testInfo) => {
  test.skip(!jsEnabled(testInfo), "JavaScript on");
  await watch(page);
  await page.goto("/en");
  await waitForIslands(page, testInfo);
  await expect.poll(() => openStreams(page)).toEqual(["/api/progress"]);
  // As when a reconnect is refused: the EventSource ends for good.
  await page.evaluate(() => ((window as any).__sources as EventSource[])[0].close());
  await page.locator("header.site-header").getByRole("link", { name: "Give", exact: true }).click();
  await expect(page).toHaveURL(/\/en\/donate$/);
  await waitForIslands(page, testInfo);
  expect(await allStreams(page)).toBe(2);
  expect(await openStreams(page)).toEqual(["/api/progress"]);
});

test("a story link far down the home page opens the story at its top at once", async ({ page }, testInfo) => {
  await page.goto("/en");
  await waitForIslands(page, testInfo);
  const link = page.locator('main a[href="/en/stories/lele"]').last();
  await link.scrollIntoViewIfNeeded();
  expect(await page.evaluate(() => window.scrollY)).toBeGreaterThan(500);
  await link.click();
  await expect(page).toHaveURL(/\/en\/stories\/lele$/);
  await expect(page.locator("h1")).toBeVisible();
  // Not sliding up from the old position: already at the top.
  expect(await page.evaluate(() => window.scrollY)).toBe(0);
});
