import { execFileSync } from "node:child_process";
import { expect, type APIRequestContext, type Page, type TestInfo } from "@playwright/test";

/** Debian's Chromium (Playwright's own browser download needs the internet), with `extra`
 * switches besides the ones every run uses. */
export function chromium(...extra: string[]) {
  return {
    executablePath: "/usr/bin/chromium",
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      ...extra,
    ],
  };
}

export const jsEnabled = (testInfo: TestInfo) => testInfo.project.use.javaScriptEnabled !== false;

/**
 * Islands hydrate at idle time, and a click before that is lost. With JavaScript on, wait until
 * every island on the page says it is live; with it off, there is nothing to wait for.
 */
export async function waitForIslands(page: Page, testInfo: TestInfo) {
  if (!jsEnabled(testInfo)) return;
  const islands = page.locator("[data-hydrated]");
  await expect(islands.first()).toBeAttached();
  const count = await islands.count();
  await expect(page.locator('[data-hydrated="true"]')).toHaveCount(count);
}

/** The second site, with card payments on against the fake Stripe (see playwright.config.ts). */
export const cardSite = `http://127.0.0.1:${Number(process.env.SHARECARE_TEST_PORT ?? 3100) + 1}`;
/** The fake Stripe's hosted checkout pages. */
export const fakeStripe = `http://127.0.0.1:${Number(process.env.SHARECARE_TEST_PORT ?? 3100) + 2}`;
/** The tests' SMTP sink: what the card site mailed, as JSON (see playwright.config.ts). */
export const mailSink = `http://127.0.0.1:${Number(process.env.SHARECARE_TEST_PORT ?? 3100) + 4}`;

/** The page's cumulative layout shift so far (shifts right after input do not count). */
export function layoutShift(page: Page): Promise<number> {
  return page.evaluate(
    () =>
      new Promise<number>((resolve) => {
        let total = 0;
        new PerformanceObserver((list) => {
          for (const entry of list.getEntries() as (PerformanceEntry & { value: number; hadRecentInput: boolean })[]) {
            if (!entry.hadRecentInput) total += entry.value;
          }
        }).observe({ type: "layout-shift", buffered: true });
        setTimeout(() => resolve(total), 500);
      }),
  );
}

const bin = process.env.SHARECARE_BIN ?? "../target/release/sharecare";
const password = "a long enough password";

/** A finance account of the calling test's own on the default site, made on the command line
 * as staff would. */
export function financeAccount(name: string): string {
  const email = `${name.replace(/[^a-z0-9]+/gi, "-").toLowerCase()}-${Date.now()}@example.org`;
  const env = {
    ...process.env,
    DATABASE_URL: process.env.SHARECARE_TEST_DATABASE_URL!,
    CONTENT_DIR: process.env.SHARECARE_E2E_CONTENT_DIR ?? process.env.SHARECARE_CONTENT_DIR ?? "../content",
  };
  execFileSync(bin, ["admin", "add-user", email, "--role", "finance"], { input: `${password}\n`, env });
  return email;
}

/** Signs in to the staff admin (on the page's base URL) with an account from `financeAccount`. */
export async function signIn(page: Page, email: string) {
  await page.goto("/admin");
  await expect(page).toHaveURL(/\/admin\/sign-in$/);
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByRole("heading", { level: 1, name: "Dashboard" })).toBeVisible();
}

/** A one-off FPS or bank-transfer pledge through the public form; its reference. A new form
 * (and token) for each gift: the visit's gift cookie would otherwise bring back the same
 * token, which already made a gift. */
export async function transferPledge(request: APIRequestContext, amount: string, name: string): Promise<string> {
  const form = await request.get("/en/donate?new_gift=1");
  const token = /name="token" value="([0-9a-f]{32}\.[0-9a-f]{32})"/.exec(await form.text())![1];
  const gift = await request.post("/en/donate", {
    form: { frequency: "one_off", amount: "other", custom_amount: amount, currency: "HKD", email: "transfer@example.org", name, receipt: "own_name", token },
    maxRedirects: 0,
  });
  expect(gift.status()).toBe(303);
  return /LBC-[2-9A-Z]{6}/.exec(gift.headers()["location"])![0];
}
