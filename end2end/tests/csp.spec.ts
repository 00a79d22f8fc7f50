import { expect, test, type Page } from "@playwright/test";
import { cardSite, waitForIslands } from "./helpers";

// Every page runs under a strict Content-Security-Policy (no inline styles, no scripts but the
// hydration scripts: nonced on a page rendered for one reader, allowed by hash on a shared page
// from the cache). With JavaScript on, the islands must still hydrate and the browser must
// report no violation at all.

async function watchViolations(page: Page): Promise<() => Promise<string[]>> {
  const console: string[] = [];
  page.on("console", (message) => {
    if (/Content[ -]Security[ -]Policy/i.test(message.text())) console.push(message.text());
  });
  await page.addInitScript(() => {
    const seen: string[] = [];
    (window as unknown as { cspViolations: string[] }).cspViolations = seen;
    document.addEventListener("securitypolicyviolation", (event) =>
      seen.push(`${event.violatedDirective} ${event.blockedURI}`),
    );
  });
  return async () => [
    ...console,
    ...(await page.evaluate(() => (window as unknown as { cspViolations: string[] }).cspViolations)),
  ];
}

for (const path of ["/en", "/zh-hk/donate", "/en/privacy", "/en/stories/lele", "/zh-cn/stories/teacher-fang", "/en/no-such-page"]) {
  test(`no Content Security Policy violations on ${path}`, async ({ page }, testInfo) => {
    const violations = await watchViolations(page);
    const response = await page.goto(path);
    const policy = response!.headers()["content-security-policy"];
    expect(policy).toMatch(/'nonce-|'sha256-/);
    expect(policy).not.toContain("unsafe-inline");
    await waitForIslands(page, testInfo);
    expect(await violations()).toEqual([]);
  });
}

test("no Content Security Policy violations on a personal share link's page", async ({ page }, testInfo) => {
  const violations = await watchViolations(page);
  await page.goto("/en/stories/yiyi");
  await waitForIslands(page, testInfo);
  await page.getByRole("button", { name: "Get my share link" }).click();
  await expect(page).toHaveURL(/\/en\/referrals\//);
  await waitForIslands(page, testInfo);
  expect(await violations()).toEqual([]);
});

test("no Content Security Policy violations on a gift's page, and the card checkout may be reached", async ({ page }, testInfo) => {
  const violations = await watchViolations(page);
  await page.goto("/en/donate");
  await waitForIslands(page, testInfo);
  await page.getByLabel("Email address (required)").fill("csp@example.org");
  await page.getByLabel("Your name", { exact: true }).fill("Chow Wai");
  await page.getByRole("button", { name: "Continue to payment details" }).click();
  await expect(page).toHaveURL(/\/en\/donations\/LBC-/);
  await waitForIslands(page, testInfo);
  expect(await violations()).toEqual([]);

  // The card site's policy lets its form go on to the hosted checkout.
  const card = await page.request.get(`${cardSite}/en/donate`);
  expect(card.headers()["content-security-policy"]).toMatch(/form-action 'self' http:\/\/127\.0\.0\.1:\d+/);
});
