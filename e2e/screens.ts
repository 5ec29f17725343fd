import { devices } from "@playwright/test";
// Screenshots for a person to look at, in the light and the dark scheme (test-results/screens/,
// not committed; the assertions are in the specs).
import type { Page, TestInfo } from "@playwright/test";

export async function shootLightAndDark(page: Page, testInfo: TestInfo, name: string) {
  const project = testInfo.project.name || "loom";
  for (const colorScheme of ["light", "dark"] as const) {
    await page.emulateMedia({ colorScheme });
    await page.screenshot({ path: `test-results/screens/${project}-${name}-${colorScheme}.png` });
  }
  await page.emulateMedia({ colorScheme: "light" });
}

/** Pixels between the bottom of the viewport and the bottom of the page. */
export const distanceFromBottom = (page: Page) =>
  page.evaluate(() => document.documentElement.scrollHeight - (window.scrollY + window.innerHeight));

/** A phone (Pixel 7: touch, coarse pointer, 412 px wide) for `test.use` inside a describe block. */
export function phone() {
  // defaultBrowserType cannot be set per describe block; the suite's browser is Chromium anyway.
  const { defaultBrowserType: _browser, ...device } = devices["Pixel 7"];
  return device;
}

export const desktop = { viewport: { width: 1280, height: 720 } };
