import { defineConfig } from "@playwright/test";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

// Every browser test runs four times: JavaScript on and off, on a phone and a desktop viewport.
// The byte budget runs once, against the release build.
const port = Number(process.env.SHARECARE_TEST_PORT ?? 3100);
const bin = process.env.SHARECARE_BIN ?? "../target/release/sharecare";
// Each run gets its own SQLite database, shared with tests that act as staff (mark-paid).
if (!process.env.SHARECARE_TEST_DATABASE_URL) {
  const dir = mkdtempSync(join(tmpdir(), "sharecare-e2e-"));
  process.env.SHARECARE_TEST_DATABASE_URL = `sqlite://${dir}/e2e.db?mode=rwc`;
}

const phone = { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2 };
const desktop = { viewport: { width: 1280, height: 800 } };
// Shared specs run in every project; js-on/js-off specs only where they apply. The axe audit
// runs inside the page, so it needs JavaScript; it audits the same server HTML either way.
const jsOnIgnores = [/budget\.spec/, /js-off\.spec/];
const jsOffIgnores = [/budget\.spec/, /js-on\.spec/, /accessibility\.spec/];

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
    launchOptions: {
      // Debian's Chromium: Playwright's own browser download needs the internet.
      executablePath: "/usr/bin/chromium",
      args: [
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
      ],
    },
  },
  projects: [
    { name: "js-on-phone", testIgnore: jsOnIgnores, use: { ...phone, javaScriptEnabled: true } },
    { name: "js-on-desktop", testIgnore: jsOnIgnores, use: { ...desktop, javaScriptEnabled: true } },
    { name: "js-off-phone", testIgnore: jsOffIgnores, use: { ...phone, javaScriptEnabled: false } },
    { name: "js-off-desktop", testIgnore: jsOffIgnores, use: { ...desktop, javaScriptEnabled: false } },
    { name: "budget", testMatch: /budget\.spec\.ts/, use: { ...desktop, javaScriptEnabled: true } },
  ],
  webServer: {
    command: bin,
    url: `http://127.0.0.1:${port}/healthz`,
    reuseExistingServer: false,
    timeout: 60_000,
    stdout: "ignore",
    stderr: "pipe",
    env: {
      LEPTOS_SITE_ADDR: `127.0.0.1:${port}`,
      LEPTOS_SITE_ROOT: process.env.SHARECARE_SITE_ROOT ?? "../target/site",
      CONTENT_DIR: process.env.SHARECARE_CONTENT_DIR ?? "../content",
      RUST_LOG: "warn",
      DATABASE_URL: process.env.SHARECARE_TEST_DATABASE_URL,
      // Confirmed gifts reach open pages within a second (see the live-progress test).
      PROGRESS_REFRESH_SECONDS: "1",
    },
  },
});
