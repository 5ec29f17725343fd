// Key hints on the one-shot pages are for readers with a keyboard: a phone (coarse pointer, touch)
// shows none, a desktop shows them (as the chat composer does).
import { expect, test, type Page } from "@playwright/test";
import { newUser, signUp } from "./accounts";
import { desktop, phone } from "./screens";

const PAGES = ["/summarize", "/translate", "/sentiment", "/code"];

async function hydrated(page: Page, path: string) {
  await page.goto(path);
  await expect(page.locator("[data-hydrated]").first()).toBeAttached({ timeout: 30_000 });
}

test.describe("phone", () => {
  test.use(phone());
  test("no keyboard hints on the one-shot pages", async ({ page }) => {
    await signUp(page, newUser());
    for (const path of PAGES) {
      await hydrated(page, path);
      await expect(page.locator("kbd"), path).toHaveCount(0);
    }
  });
});

test.describe("desktop", () => {
  test.use(desktop);
  test("keyboard hints on the one-shot pages", async ({ page }) => {
    await signUp(page, newUser());
    for (const path of PAGES) {
      await hydrated(page, path);
      await expect(page.locator("kbd").filter({ hasText: "Enter" }).first(), path).toBeVisible();
    }
  });
});
