import { createServer, type Server } from "node:http";
import { expect, test } from "@playwright/test";
import { chromium, financeAccount, signIn } from "./helpers";

// A partner's page on another site (`localhost`, not the site's `127.0.0.1`) pastes the two
// lines of the embed snippet; a visitor whose browser blocks third-party cookies gives through
// the iframe, and staff see the gift came through that partner. JavaScript on only: the
// partner's script is what inserts the widget.

const port = Number(process.env.SHARECARE_TEST_PORT ?? 3100);
const site = `http://127.0.0.1:${port}`;

// Third-party cookies blocked, as more and more browsers do.
test.use({ launchOptions: chromium("--test-third-party-cookie-phaseout") });

let server: Server;
let partner: string;

test.beforeAll(async ({}, testInfo) => {
  // One port per project (both are origins of the test partner in the e2e content).
  const partnerPort = port + (testInfo.project.name.includes("phone") ? 6 : 7);
  partner = `http://localhost:${partnerPort}`;
  const page = `<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Harbour school fair</title></head>
<body><h1>Our school fair supports the children's fund</h1>
<div data-sharecare-donate data-partner="test-school" data-lang="en"></div>
<script src="${site}/embed.js" async></script>
</body></html>`;
  server = createServer((_, response) => {
    response.writeHead(200, { "content-type": "text/html; charset=utf-8" });
    response.end(page);
  });
  await new Promise<void>((resolve) => server.listen(partnerPort, resolve));
});

test.afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
});

test("a partner's visitor gives through the embedded widget, and staff see the partner", async ({ page }, testInfo) => {
  await page.goto(partner);
  const iframe = page.locator("iframe");
  await expect(iframe).toHaveAttribute("src", `${site}/embed/en/donate?partner=test-school`);
  const frame = page.frameLocator("iframe");
  // The frame loads its page and then the WASM after the partner's page has loaded: three
  // round trips before its islands are live, which on a loaded 2-core CI machine has taken
  // longer than the 5 s default once. Waiting longer asserts nothing weaker.
  await expect(frame.locator('[data-hydrated="true"]').first()).toBeAttached({ timeout: 15_000 });
  const embedded = page.frames().find((f) => f.url().startsWith(`${site}/embed/`))!;
  // The frame really is without cookies.
  expect(await embedded.evaluate(() => document.hasStorageAccess())).toBe(false);

  // The widget sized its frame, through a message only the site's origin may send.
  await expect.poll(() => iframe.evaluate((el: HTMLIFrameElement) => el.style.height)).not.toBe("960px");
  const sized = await iframe.evaluate((el: HTMLIFrameElement) => el.style.height);
  // Messages to a window are handled in the order sent: once the marker after it has arrived,
  // the forged message has been through every listener (the script's sets heights at once).
  await page.evaluate(
    () =>
      new Promise<void>((resolve) => {
        addEventListener("message", function handled(event) {
          if (event.data !== "forged message handled") return;
          removeEventListener("message", handled);
          resolve();
        });
        window.postMessage({ sharecare: "height", height: 4321 }, "*");
        window.postMessage("forged message handled", "*");
      }),
  );
  expect(await iframe.evaluate((el: HTMLIFrameElement) => el.style.height)).toBe(sized);

  await frame.getByLabel("Email address (required)").fill("school.parent@example.org");
  await frame.getByLabel("Your name", { exact: true }).fill("Ho Wai Man");
  await frame.getByRole("button", { name: "Continue to payment details" }).click();
  // The gift's page opens as the site itself, in the top window.
  await expect(page).toHaveURL(new RegExp(`^${site}/en/donations/LBC-[2-9A-HJKMNP-Z]{6}$`));
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Thank you, Ho Wai Man");
  const reference = (await page.locator("[data-reference]").textContent())!;

  await signIn(page, financeAccount(`embed-${testInfo.project.name}`));
  await page.goto(`/admin/donations/${reference}`);
  await expect(page.locator("main")).toContainText("Browser tests' school (test-school)");
});
