import AxeBuilder from "@axe-core/playwright";
import { expect, test } from "@playwright/test";

// axe-core's WCAG 2.0/2.1/2.2 A and AA rules (contrast, names, landmarks, lang, target size...)
// on every page in every language, with JavaScript on and off, at phone and desktop sizes.
for (const path of ["/en", "/zh-hk", "/zh-cn", "/en/no-such-page"]) {
  test(`${path} has no WCAG 2.2 AA violations`, async ({ page }) => {
    await page.goto(path);
    const results = await new AxeBuilder({ page })
      .withTags(["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"])
      .analyze();
    const summary = results.violations.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`);
    expect(summary).toEqual([]);
  });
}
