// Admin › Models › Add remote engine in a real browser: the remote is this server's own /v1 (any
// OpenAI-compatible engine would do), with a key made in Settings › API keys. List its models,
// test one (latency shown), save it: the registry lists it as a remote model.
import { expect, test } from "@playwright/test";
import { E2E_ADMIN, signIn } from "./accounts";

test("an admin adds a remote engine: list, test, save", async ({ page, baseURL }) => {
  await signIn(page, E2E_ADMIN);
  await page.waitForURL("/");
  await page.goto("/settings/api-keys");
  await page.getByLabel("New key's name").fill("remote test");
  await page.getByRole("button", { name: "Create key" }).click();
  const key = (await page.getByTestId("new-api-key").textContent())!;

  await page.goto("/admin/models");
  await page.getByRole("link", { name: "Add remote engine" }).click();
  await expect(page.getByRole("heading", { level: 1, name: "Add remote engine" })).toBeVisible();
  await page.getByLabel("Base URL").fill(`${baseURL}/v1`);
  await page.getByRole("button", { name: "List models" }).click();
  // A wrong key first: refused, saying so.
  await expect(page.getByRole("alert")).toContainText("The remote engine refused the API key (HTTP 401)");
  await page.getByLabel("API key").fill(key);
  await page.getByRole("button", { name: "List models" }).click();
  await page.getByLabel("Remote model").selectOption("loom-chat");
  await page.getByLabel("Model id in Loom").fill("self-remote");
  await page.getByRole("button", { name: "Test" }).click();
  await expect(page.getByTestId("remote-test")).toContainText(/Answered in \d+ ms/, { timeout: 60_000 });
  await page.getByRole("button", { name: "Save" }).click();
  await page.waitForURL("/admin/models", { timeout: 60_000 });
  await expect(page.getByText("self-remote").first()).toBeVisible();
});
