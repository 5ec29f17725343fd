// Every page works under the Content-Security-Policy: no violation while pages load, hydrate and
// stream (a script without this response's nonce, an eval, a refused style would be one).
import { expect, test } from "@playwright/test";
import { E2E_ADMIN, signIn } from "./accounts";

test.describe.configure({ timeout: 180_000 });

test("pages load, hydrate and stream a chat answer without any CSP violation", async ({ page }) => {
  const violations: string[] = [];
  await page.exposeFunction("reportViolation", (text: string) => violations.push(text));
  await page.addInitScript(() => {
    document.addEventListener("securitypolicyviolation", (e) => {
      const report = (window as unknown as { reportViolation(text: string): void }).reportViolation;
      report(`${location.pathname}: ${e.violatedDirective} ${e.blockedURI} (${e.sourceFile}:${e.lineNumber})`);
    });
  });

  const first = await page.goto("/login");
  expect(first?.headers()["content-security-policy"]).toMatch(/script-src 'self' 'nonce-/);
  await signIn(page, E2E_ADMIN);
  await page.waitForURL("/");
  for (const path of [
    "/",
    "/summarize",
    "/translate",
    "/code",
    "/sentiment",
    "/admin",
    "/admin/models",
    "/admin/users",
  ]) {
    await page.goto(path);
    await page.waitForLoadState("networkidle");
  }

  // A chat turn: client-side navigation, streamed loader data, the answer's own stream.
  await page.goto("/chat");
  await page.getByLabel("Message", { exact: true }).fill("Hello under a strict policy");
  await page.getByRole("button", { name: "Send" }).click();
  await expect(page).toHaveURL(/\/chat\/[0-9a-f-]{36}$/, { timeout: 60_000 });
  await expect(page.getByRole("button", { name: "Send" })).toBeVisible({ timeout: 90_000 });
  await expect(page.getByRole("article", { name: "Assistant message" }).first()).not.toHaveText(/^…?$/);

  expect(violations).toEqual([]);
});
