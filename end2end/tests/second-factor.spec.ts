import { createHmac } from "node:crypto";
import AxeBuilder from "@axe-core/playwright";
import { expect, test } from "@playwright/test";
import { financeAccount, signIn } from "./helpers";

// A member of staff turns on a second factor as they would with a phone: the key in groups of
// four, a code from the app, then ten recovery codes shown once, one of which signs them in
// when the phone is gone. With JavaScript on and off, at phone and desktop sizes.

/** The code an authenticator app shows now for a base32 key (RFC 6238: SHA-1, 6 digits, 30 s). */
function appCode(key: string): string {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
  const bits = [...key.replace(/\s+/g, "")].map((c) => alphabet.indexOf(c).toString(2).padStart(5, "0")).join("");
  const secret = Buffer.from(bits.match(/.{8}/g)!.map((byte) => parseInt(byte, 2)));
  const step = Buffer.alloc(8);
  step.writeBigUInt64BE(BigInt(Math.floor(Date.now() / 30_000)));
  const mac = createHmac("sha1", secret).update(step).digest();
  const offset = mac[mac.length - 1] & 15;
  return String((mac.readUInt32BE(offset) & 0x7fffffff) % 1_000_000).padStart(6, "0");
}

test("staff turn on a second factor, keep ten recovery codes shown once, and sign in with one", async ({ page }, testInfo) => {
  const email = financeAccount(testInfo.project.name);
  await signIn(page, email);
  await page.getByRole("link", { name: "My account" }).click();
  await page.getByRole("button", { name: "Set up a second factor" }).click();

  const key = (await page.locator("code.secret").innerText()).trim();
  expect(key, "the key in groups of four").toMatch(/^([A-Z2-7]{4} )+[A-Z2-7]{1,4}$/);
  await page.getByLabel("Code from your authenticator app").fill(appCode(key));
  await page.getByRole("button", { name: "Turn on" }).click();

  await expect(page.getByRole("status")).toContainText("Your second factor is on.");
  const codes = await page.locator(".recovery-codes code").allInnerTexts();
  expect(codes).toHaveLength(10);
  for (const code of codes) expect(code).toMatch(/^\d{4} \d{4} \d{4} \d{4}$/);
  // axe runs as a script in the page, so only where the page may run scripts.
  if (testInfo.project.use.javaScriptEnabled !== false) {
    const results = await new AxeBuilder({ page })
      .withTags(["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"])
      .analyze();
    expect(results.violations.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`)).toEqual([]);
  }

  await page.getByRole("link", { name: "I have saved them" }).click();
  await page.goto("/admin/account");
  await expect(page.locator("main")).not.toContainText(codes[0]);
  await page.getByRole("button", { name: "Sign out" }).click();

  // The phone is lost: a recovery code, typed as it was shown, stands in for the app's code.
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill("a long enough password");
  await page.getByLabel("Code from your authenticator app, or a recovery code").fill(codes[3]);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByRole("heading", { level: 1, name: "Dashboard" })).toBeVisible();
  await page.goto("/admin/account");
  await expect(page.locator("main")).toContainText("Recovery codes not yet used: 9.");
});
