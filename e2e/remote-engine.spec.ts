// Admin › Models › Add remote engine in a real browser: the remote is this server's own /v1 (any
// OpenAI-compatible engine would do), with a key made in Settings › API keys. List its models,
// test one (latency shown), save it: the registry lists it as a remote model.
import { execFileSync } from "node:child_process";
import path from "node:path";
import { expect, test } from "@playwright/test";
import { E2E_ADMIN, signIn } from "./accounts";
import { answers, openChat, send } from "./chat-helpers";
import { startServer, type RunningServer } from "./server";

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

// Two servers: B has A's /v1 as a remote engine, with a key made by A's CLI (npm run api-key) and
// registered by B's (npm run models -- add-remote). A chat in B's UI streams A's model; A is
// killed mid-answer: B's user is told, the answer keeps its text marked interrupted, B stays up.
test.describe("a chat on B streams A's model", () => {
  let a: RunningServer | undefined;
  let b: RunningServer | undefined;
  const cli = (script: string, args: string[], server: RunningServer, env: Record<string, string> = {}) =>
    execFileSync(path.resolve("node_modules/.bin/tsx"), [script, ...args], {
      env: { ...process.env, LOOM_DATA_DIR: server.dataDir, DATABASE_URL: "", ...env },
      encoding: "utf8",
    });

  test.beforeAll(async () => {
    test.setTimeout(300_000);
    // Each on its own embedded database and data dir; A paced so that it can die mid-answer.
    [a, b] = await Promise.all([
      startServer({ DATABASE_URL: "", LOOM_STREAM_DELAY_MS: "300" }),
      startServer({ DATABASE_URL: "" }),
    ]);
    const key = cli("scripts/api-key.ts", ["create", "--email", E2E_ADMIN.email, "--name", "server B"], a).trim();
    cli(
      "scripts/models.ts",
      ["add-remote", "a-chat", "--base-url", `${a.baseUrl}/v1`, "--model", "loom-chat"].concat([
        "--api-key-env",
        "A_KEY",
        "--name",
        "Loom on A",
        "--context-tokens",
        "1024",
      ]),
      b,
      { A_KEY: key },
    );
    cli("scripts/models.ts", ["assign", "a-chat", "chat", "--default"], b);
  });
  test.afterAll(async () => {
    await Promise.all([a?.stop(), b?.stop()]);
  });

  test("killing A mid-answer gives B's user a clear error; B stays up", async ({ page }) => {
    test.setTimeout(180_000);
    await openChat(page, b!.baseUrl);
    await send(page, "Tell me a long story about a lighthouse keeper.");
    const answer = answers(page).last();
    // A's words arrive through B (the answer's text, not its model label, which comes first).
    await expect(answer.getByRole("paragraph").first()).toHaveText(/\w{2,}/, { timeout: 90_000 });
    const dead = a!;
    a = undefined;
    await dead.kill();
    await expect(page.getByRole("alert")).toContainText(
      /remote engine (stopped mid-answer|at .* cannot|did not)|cannot reach/i,
      {
        timeout: 60_000,
      },
    );
    await expect(answer.getByText("Interrupted")).toBeVisible();
    const kept = ((await answer.getByRole("paragraph").first().textContent()) ?? "").trim();
    // B is up: its health answers, and a reload shows the kept text.
    const health = await fetch(`${b!.baseUrl}/healthz`);
    expect(health.status).toBeLessThan(500);
    await page.reload();
    await expect(answers(page).last().getByRole("paragraph").first()).toHaveText(kept);
    await expect(answers(page).last().getByText("Interrupted")).toBeVisible();
  });
});
