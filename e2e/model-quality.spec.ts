// Admin › Models › Quality on the shipped models: reached from the model's row, it shows the
// card's evaluation numbers and the bias probe table with its probe sets (models/*/loom-quality.json);
// a user who is not an admin is refused.
import { expect, test } from "@playwright/test";
import { E2E_ADMIN, newUser, signIn, signUp } from "./accounts";

test("an admin reads a shipped model's quality page from the models list", async ({ page }) => {
  await signIn(page, E2E_ADMIN);
  await expect(page).toHaveURL("/");
  await page.goto("/admin/models");
  await page
    .getByRole("link", { name: /^Quality of / })
    .first()
    .waitFor();
  const link = page.locator('a[href="/admin/models/loom-sentiment/quality"]');
  await link.click();
  await expect(page).toHaveURL("/admin/models/loom-sentiment/quality");
  await expect(page.getByRole("heading", { name: /^Quality: / })).toBeVisible();
  const evaluation = page.getByRole("region", { name: "Evaluation" });
  await expect(evaluation.getByRole("cell", { name: "accuracy (English)" })).toBeVisible();
  const bias = page.getByRole("region", { name: "Bias probes" });
  await expect(bias.getByRole("cell", { name: "gender-words-en" })).toBeVisible();
  await expect(bias.getByRole("cell", { name: "religion-zh" })).toBeVisible();
  await expect(bias.getByRole("list", { name: "Probe sets" }).getByRole("listitem")).toHaveCount(8);
  await expect(page.getByRole("region", { name: /^Feedback/ })).toBeVisible();
});

test("a user who is not an admin is refused the page", async ({ page }) => {
  await signUp(page, newUser());
  const response = await page.goto("/admin/models/loom-sentiment/quality");
  expect(response?.status()).toBe(403);
  await expect(page.getByRole("alert")).toContainText("administrators");
});
