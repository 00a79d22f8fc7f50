import { defineConfig } from "@playwright/test";
import { chromium } from "./tests/helpers";
import { appendFileSync, cpSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

// Every browser test runs four times: JavaScript on and off, on a phone and a desktop viewport.
// The byte budget runs once, against the release build.
const port = Number(process.env.SHARECARE_TEST_PORT ?? 3100);
const bin = process.env.SHARECARE_BIN ?? "../target/release/sharecare";
// Each run gets its own SQLite database, shared with tests that act as staff (mark-paid).
for (const [variable, file] of [
  ["SHARECARE_TEST_DATABASE_URL", "e2e.db"],
  ["SHARECARE_CARD_DATABASE_URL", "e2e-card.db"],
  ["SHARECARE_GUARDED_DATABASE_URL", "e2e-guarded.db"],
]) {
  if (!process.env[variable]) {
    const dir = mkdtempSync(join(tmpdir(), "sharecare-e2e-"));
    process.env[variable] = `sqlite://${dir}/${file}?mode=rwc`;
  }
}
// A second site with card payments on, talking to the tests' fake Stripe (examples/fake_stripe.rs,
// whose secrets these are), so the card specs run against the real binary with JavaScript on and
// off while every other spec sees the default site without cards.
const cardPort = port + 1; // also in tests/helpers.ts
const fakeStripePort = port + 2;
const fakeStripeBin = process.env.FAKE_STRIPE_BIN ?? "../target/debug/examples/fake_stripe";
// The card site mails through the tests' SMTP sink (examples/mail_sink.rs), whose HTTP side
// lists what it received: the My gifts specs read donors' sign-in codes there.
const mailSmtpPort = port + 3;
const mailHttpPort = port + 4; // also in tests/helpers.ts
const mailSinkBin = process.env.MAIL_SINK_BIN ?? "../target/debug/examples/mail_sink";
// A partner's page for the embed spec, served by the spec itself on another site (`localhost`
// is a different site from `127.0.0.1`), on a port per project (see tests/embed.js-on.spec.ts):
// the sites run on a copy of the real content with that partner added, so only its origins
// may frame the widget.
const partnerPorts = [port + 6, port + 7];
// A third site with the bot defence's minimum time on (3 s), for the spec that gives as quickly
// as autofill lets a person (tests/bot-defence.spec.ts).
const guardedPort = port + 5; // also in tests/bot-defence.spec.ts
if (!process.env.SHARECARE_E2E_CONTENT_DIR) {
  const copy = mkdtempSync(join(tmpdir(), "sharecare-e2e-content-"));
  cpSync(process.env.SHARECARE_CONTENT_DIR ?? "../content", copy, { recursive: true });
  appendFileSync(
    join(copy, "partners.toml"),
    `\n[[partners]]\ncode = "test-school"\nname = "Browser tests' school"\norigins = [${partnerPorts.map((p) => `"http://localhost:${p}"`).join(", ")}]\n`,
  );
  process.env.SHARECARE_E2E_CONTENT_DIR = copy;
}
const siteEnv = {
  LEPTOS_SITE_ROOT: process.env.SHARECARE_SITE_ROOT ?? "../target/site",
  CONTENT_DIR: process.env.SHARECARE_E2E_CONTENT_DIR,
  RUST_LOG: "warn",
  // Confirmed gifts reach open pages within a second (see the live-progress test).
  PROGRESS_REFRESH_SECONDS: "1",
  // A test site lives minutes and its database is thrown away: no scheduled backups.
  BACKUP_EVERY_SECONDS: "0",
  // Every spec gives from one address, faster than a person: the abuse defences have their own
  // integration tests (tests/api/security.rs), so here they stand aside.
  FORM_MIN_SECONDS: "0",
  LIMIT_PER_ADDRESS: "100000",
  LIMIT_CHECKOUTS_PER_ADDRESS: "100000",
  LIMIT_PER_EMAIL: "100000",
  CARD_BREAKER_CHECKOUTS_PER_MINUTE: "100000",
  STREAMS_PER_ADDRESS: "200",
  SIGN_INS_PER_MINUTE: "100000",
  // Plain http on this machine: the staff cookie cannot be `Secure` (or `__Host-`) here.
  ADMIN_COOKIE_SECURE: "false",
};

const phone = { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2 };
const desktop = { viewport: { width: 1280, height: 800 } };
// Shared specs run in every project; js-on/js-off specs only where they apply. The axe audit
// runs inside the page, so it needs JavaScript; it audits the same server HTML either way.
const jsOnIgnores = [/budget\.spec/, /js-off\.spec/];
const jsOffIgnores = [/budget\.spec/, /js-on\.spec/, /accessibility\.spec/, /csp\.spec/];

/** A program the tests need running, ready once `/healthz` on its port answers. */
function server(command: string, onPort: number, env: Record<string, string>) {
  return {
    command,
    url: `http://127.0.0.1:${onPort}/healthz`,
    reuseExistingServer: false,
    timeout: 60_000,
    stdout: "ignore" as const,
    stderr: "pipe" as const,
    env,
  };
}

export default defineConfig({
  testDir: "./tests",
  fullyParallel: true,
  workers: 2,
  forbidOnly: !!process.env.CI,
  retries: 0,
  reporter: [["list"]],
  use: {
    baseURL: `http://127.0.0.1:${port}`,
    locale: "en-GB",
    launchOptions: chromium(),
  },
  projects: [
    { name: "js-on-phone", testIgnore: jsOnIgnores, use: { ...phone, javaScriptEnabled: true } },
    { name: "js-on-desktop", testIgnore: jsOnIgnores, use: { ...desktop, javaScriptEnabled: true } },
    { name: "js-off-phone", testIgnore: jsOffIgnores, use: { ...phone, javaScriptEnabled: false } },
    { name: "js-off-desktop", testIgnore: jsOffIgnores, use: { ...desktop, javaScriptEnabled: false } },
    { name: "budget", testMatch: /budget\.spec\.ts/, use: { ...desktop, javaScriptEnabled: true } },
  ],
  webServer: [
    server(bin, port, {
      ...siteEnv,
      LEPTOS_SITE_ADDR: `127.0.0.1:${port}`,
      DATABASE_URL: process.env.SHARECARE_TEST_DATABASE_URL!,
    }),
    server(fakeStripeBin, fakeStripePort, {
      FAKE_STRIPE_ADDR: `127.0.0.1:${fakeStripePort}`,
      FAKE_STRIPE_WEBHOOK_URL: `http://127.0.0.1:${cardPort}/webhooks/stripe`,
    }),
    server(mailSinkBin, mailHttpPort, {
      MAIL_SINK_SMTP_ADDR: `127.0.0.1:${mailSmtpPort}`,
      MAIL_SINK_HTTP_ADDR: `127.0.0.1:${mailHttpPort}`,
    }),
    server(bin, cardPort, {
      ...siteEnv,
      LEPTOS_SITE_ADDR: `127.0.0.1:${cardPort}`,
      PUBLIC_BASE_URL: `http://127.0.0.1:${cardPort}`,
      DATABASE_URL: process.env.SHARECARE_CARD_DATABASE_URL!,
      STRIPE_SECRET_KEY: "sk_test_fake_0123456789",
      STRIPE_WEBHOOK_SECRET: "whsec_test_fake_0123456789",
      STRIPE_API_BASE: `http://127.0.0.1:${fakeStripePort}`,
      SMTP_URL: `smtp://127.0.0.1:${mailSmtpPort}`,
      OUTBOX_RETRY_SECONDS: "1",
    }),
    server(bin, guardedPort, {
      ...siteEnv,
      LEPTOS_SITE_ADDR: `127.0.0.1:${guardedPort}`,
      PUBLIC_BASE_URL: `http://127.0.0.1:${guardedPort}`,
      DATABASE_URL: process.env.SHARECARE_GUARDED_DATABASE_URL!,
      FORM_MIN_SECONDS: "3",
    }),
  ],
});
