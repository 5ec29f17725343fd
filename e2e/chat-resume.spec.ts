import { expect, test } from "@playwright/test";
import { answers, openChat, send } from "./chat-helpers";
import { startServer, type RunningServer } from "./server";

// Its own server with paced streaming (LOOM_STREAM_DELAY_MS), so that the page can be reloaded
// while the answer is still being written, however fast the model is. Chat samples, so an answer
// may be only a dozen tokens: at 400 ms a token that still outlasts a page reload, and the longest
// answer (256 tokens) stays within the 120 s the test waits for it.
let server: RunningServer;
test.beforeAll(async () => {
  server = await startServer({ LOOM_STREAM_DELAY_MS: "400" });
});
test.afterAll(async () => {
  await server?.stop();
});
test.describe.configure({ timeout: 240_000 });

test("reloading mid-answer reattaches and the answer completes; Stop halts the next one", async ({ page }) => {
  await openChat(page, server.baseUrl);
  await send(page, "Tell me a long story about a lighthouse.");
  await expect(page).toHaveURL(/\/chat\/[0-9a-f-]{36}$/);
  await expect(answers(page).first().locator(".prose-loom")).toHaveText(/[^…\s]/);

  const resumed = page.waitForResponse((r) => /\/api\/chat\/[0-9a-f-]+\/stream$/.test(r.url()));
  await page.reload();
  // Reattached: the page asks for the running answer and streams it (Stop is offered).
  expect((await resumed).status()).toBe(200);
  await expect(page.getByRole("button", { name: "Stop" })).toBeVisible();
  await expect(page.getByRole("button", { name: "Send" })).toBeVisible({ timeout: 120_000 });
  const finished = await answers(page).first().locator(".prose-loom").innerText();
  expect(finished.length).toBeGreaterThan(0);
  // What the page shows is what the server saved.
  await page.reload();
  await expect(answers(page).first().locator(".prose-loom")).toHaveText(finished);

  // Stop: a second question, stopped early, keeps its partial answer; the next page load is idle.
  await send(page, "And another one, please.");
  // Text in the answer itself (the article also holds its footer: the model's name).
  await expect(answers(page).nth(1).locator(".prose-loom")).toHaveText(/[^…\s]/);
  await page.getByRole("button", { name: "Stop" }).click();
  await expect(page.getByRole("button", { name: "Send" })).toBeVisible();
  const stopped = await answers(page).nth(1).locator(".prose-loom").innerText();
  await page.reload();
  await expect(answers(page)).toHaveCount(2);
  await expect(answers(page).nth(1).locator(".prose-loom")).toHaveText(stopped);
  await expect(page.getByRole("button", { name: "Stop" })).toHaveCount(0);
});
