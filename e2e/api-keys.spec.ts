// Settings › API keys in a real browser: a key is shown once when it is made, works against /v1,
// is listed by name and prefix (never in full), and stops working when revoked.
import { expect, test } from "@playwright/test";
import { newUser, signUp } from "./accounts";

test("create a key, use it on /v1, revoke it", async ({ page, request }) => {
  await signUp(page, newUser());
  await page.getByRole("link", { name: /Tester/ }).click();
  // The user's name opens Settings; API keys is one of its pages.
  await page.getByRole("navigation", { name: "Settings" }).getByRole("link", { name: "API keys" }).click();
  await expect(page.getByRole("heading", { level: 1, name: "API keys" })).toBeVisible();
  await expect(page.getByText("You have no API keys yet.")).toBeVisible();

  await page.getByLabel("New key's name").fill("laptop");
  await page.getByRole("button", { name: "Create key" }).click();
  const shown = page.getByTestId("new-api-key");
  await expect(shown).toHaveText(/^loom-/);
  const key = (await shown.textContent())!;
  await expect(page.getByRole("cell", { name: "laptop", exact: true })).toBeVisible();
  await expect(page.getByRole("cell", { name: "never" })).toBeVisible();

  const models = await request.get("/v1/models", { headers: { Authorization: `Bearer ${key}` } });
  expect(models.status()).toBe(200);

  // Shown once: a reload lists the key by its prefix only.
  await page.reload();
  await expect(page.getByTestId("new-api-key")).toHaveCount(0);
  await expect(page.getByText(key)).toHaveCount(0);
  await expect(page.getByText(`${key.slice(0, 12)}…`)).toBeVisible();
  await expect(page.getByRole("cell", { name: "never" })).toHaveCount(0); // it was used

  await page.getByRole("button", { name: "Revoke laptop" }).click();
  await expect(page.getByText("You have no API keys yet.")).toBeVisible();
  const revoked = await request.get("/v1/models", { headers: { Authorization: `Bearer ${key}` } });
  expect(revoked.status()).toBe(401);
});
