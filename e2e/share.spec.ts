// Share links in Chromium: the owner makes a link from the chat, another user reads it read-only
// (no composer, no rating; marked shared, noindex), a signed-out visitor needs the admin's
// setting off, and a revoked link is gone (410). Desktop and phone.
import { expect, test, type Browser, type Page } from "@playwright/test";
import { E2E_ADMIN, newUser, signIn, signUp } from "./accounts";
import { answers, openChat, send } from "./chat-helpers";
import { desktop, phone, shootLightAndDark } from "./screens";

test.describe.configure({ timeout: 180_000 });

/** The admin's "Share links need sign-in" setting, set through the Admin page. */
async function setSignInRequired(browser: Browser, required: boolean) {
  const context = await browser.newContext();
  const page = await context.newPage();
  await signIn(page, E2E_ADMIN);
  await page.waitForURL((url) => !url.pathname.startsWith("/login"));
  await page.goto("/admin");
  const box = page.getByLabel(/Share links need sign-in/);
  await box.setChecked(required);
  await page.getByRole("button", { name: "Save settings" }).click();
  await expect(page.getByRole("status").filter({ hasText: "Saved." })).toBeVisible();
  await context.close();
}

async function expectReadOnly(page: Page, question: string) {
  await expect(page.getByRole("note").filter({ hasText: "Shared conversation, read-only" })).toBeVisible();
  await expect(page.getByRole("article", { name: "User message" })).toContainText(question);
  await expect(page.getByRole("article", { name: "Assistant message" })).toHaveCount(1);
  await expect(page.getByLabel("Message", { exact: true })).toHaveCount(0);
  await expect(page.getByRole("button", { name: "Good answer" })).toHaveCount(0);
  await expect(page.locator('meta[name="robots"]')).toHaveAttribute("content", /noindex/);
}

for (const [name, screen] of [
  ["desktop", desktop],
  ["phone", phone()],
] as const) {
  test.describe(name, () => {
    test.use(screen);

    test("the owner shares a chat, others read it read-only, revoking ends it", async ({ page, browser }, info) => {
      const question = `Share me ${name}`;
      await openChat(page);
      await send(page, question);
      await expect(answers(page)).toHaveCount(1);
      await expect(page.getByRole("button", { name: "Send" })).toBeVisible({ timeout: 90_000 });
      // On a phone the chat's actions may sit behind the header: the link is there all the same.
      await page.getByRole("link", { name: "Share", exact: true }).click();
      await expect(page).toHaveURL(/\/chat\/[0-9a-f-]+\/share$/);
      await page.getByRole("button", { name: "Create link" }).click();
      const url = (await page.getByTestId("new-share-link").textContent())!;
      expect(url).toMatch(/\/s\/[A-Za-z0-9_-]{43}$/);

      // Another signed-in user reads it.
      const otherContext = await browser.newContext(screen);
      const other = await otherContext.newPage();
      await signUp(other, newUser());
      const response = await other.goto(url);
      expect(response!.headers()["x-robots-tag"]).toContain("noindex");
      await expectReadOnly(other, question);
      await shootLightAndDark(other, info, `${name}-shared-chat`);

      // Signed out: sent to sign in while the setting asks for it, reading once it does not.
      const anonymousContext = await browser.newContext(screen);
      const anonymous = await anonymousContext.newPage();
      await anonymous.goto(url);
      await expect(anonymous).toHaveURL(/\/login\?redirectTo=%2Fs%2F/);
      await setSignInRequired(browser, false);
      try {
        await anonymous.goto(url);
        await expectReadOnly(anonymous, question);
      } finally {
        await setSignInRequired(browser, true);
      }

      // Revoked: the link is gone for everyone.
      await page.reload();
      await expect(page.getByTestId("share-link-row")).toHaveCount(1);
      await page.getByRole("button", { name: "Revoke" }).click();
      await expect(page.getByTestId("share-link-row")).toContainText("revoked");
      const gone = await other.goto(url);
      expect(gone!.status()).toBe(410);
      await expect(other.getByRole("heading", { level: 1 })).toContainText("410");
      await otherContext.close();
      await anonymousContext.close();
    });

    test("Settings › Share links lists the link with its chat; revoking it there ends it (410)", async ({
      page,
      browser,
    }, info) => {
      const question = `Listed ${name}`;
      await openChat(page);
      await send(page, question);
      await expect(page.getByRole("button", { name: "Send" })).toBeVisible({ timeout: 90_000 });
      await page.getByRole("link", { name: "Share", exact: true }).click();
      await page.getByRole("button", { name: "Create link" }).click();
      const url = (await page.getByTestId("new-share-link").textContent())!;

      await page.goto("/settings");
      await page.getByRole("navigation", { name: "Settings" }).getByRole("link", { name: "Share links" }).click();
      await expect(page).toHaveURL(/\/settings\/share-links$/);
      const row = page.getByTestId("user-share-link").filter({ hasText: question });
      await expect(row).toHaveCount(1);
      await expect(row).toContainText("active");
      await expect(row).toContainText(/\d{4}-\d{2}-\d{2}/);
      // Nothing spills off a phone's screen.
      const width = page.viewportSize()!.width;
      expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(width);
      await shootLightAndDark(page, info, `${name}-settings-share-links`);

      const otherContext = await browser.newContext(screen);
      const other = await otherContext.newPage();
      await signUp(other, newUser());
      expect((await other.goto(url))!.status()).toBe(200);
      // Another user's list does not have it.
      await other.goto("/settings/share-links");
      await expect(other.getByTestId("user-share-link")).toHaveCount(0);

      await row.getByRole("button", { name: /^Revoke/ }).click();
      await expect(page.getByRole("status")).toContainText("Link revoked");
      await expect(row).toContainText("revoked");
      await expect(row.getByRole("button", { name: /^Revoke/ })).toHaveCount(0);
      expect((await other.goto(url))!.status()).toBe(410);
      await otherContext.close();
    });
  });
}
