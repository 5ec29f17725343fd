import { expect, test, type Page } from "@playwright/test";
import { answers, openChat, send } from "./chat-helpers";
import { desktop, phone, shootLightAndDark } from "./screens";

// Per-chat settings (defaults in Settings › Chat, the chat header's panel) and temporary chats,
// against the shipped loom-chat (1,024 positions: an answer may take at most 512 tokens).
test.describe.configure({ timeout: 180_000 });

const summary = (page: Page) => page.getByTestId("chat-settings-summary");
const panel = (page: Page) => page.getByRole("form", { name: "Chat settings" });
const conversations = (page: Page) => page.getByRole("complementary", { name: "Conversations" });
const answered = (page: Page) => expect(page.getByRole("button", { name: "Send" })).toBeVisible({ timeout: 90_000 });

test.describe("desktop", () => {
  test.use(desktop);

  test("defaults in Settings › Chat: refused over the model's limit, then used by a new chat", async ({
    page,
  }, info) => {
    await openChat(page);
    await page.goto("/settings");
    await expect(page).toHaveURL(/\/settings\/chat$/);
    const nav = page.getByRole("navigation", { name: "Settings" });
    await expect(nav.getByRole("link", { name: "Chat" })).toHaveAttribute("aria-current", "page");
    await expect(nav.getByRole("link", { name: "API keys" })).toHaveAttribute("href", "/settings/api-keys");

    await page.getByLabel("Temperature").fill("0.2");
    await page.getByLabel("Max tokens").fill("3000");
    await page.getByRole("button", { name: "Save defaults" }).click();
    await expect(page.getByRole("alert")).toHaveText(/^Max tokens is at most 512 with .+: it reads 1024 tokens in all/);

    await page.getByLabel("Max tokens").fill("12");
    await page.getByLabel("System prompt").fill("You are Loom. Answer in one short sentence.");
    await page.getByRole("button", { name: "Save defaults" }).click();
    await expect(page.getByRole("status")).toHaveText(/Saved/);
    await shootLightAndDark(page, info, "desktop-settings-chat");

    await page.goto("/chat");
    await send(page, "Hello there");
    await expect(page).toHaveURL(/\/chat\/[0-9a-f-]{36}$/);
    await expect(summary(page)).toHaveText("T 0.2 · top-p 0.9 · 12 tokens · system prompt");
    await answered(page);
    await expect(answers(page)).toHaveCount(1);
  });

  test("the header's panel changes this chat's settings; the model's limit is shown when refused", async ({
    page,
  }, info) => {
    await openChat(page);
    await send(page, "Hello");
    await answered(page);
    // Loom's default (256) is within loom-chat's answer limit (512, half its 1,024 positions): shown
    // as it is, with no limit note (a value over a smaller model's limit: server/apps/chat-limits.test.ts).
    await expect(summary(page)).toHaveText("T 0.7 · top-p 0.9 · 256 tokens");

    await summary(page).click();
    await expect(panel(page)).toBeVisible();
    await expect(panel(page).getByLabel("Max tokens")).toHaveValue("256");
    await expect(panel(page).getByTestId("max-tokens-limit")).toHaveCount(0);
    // A system prompt that leaves loom-chat no room for a message: the server says how long it may be.
    // ~1,150 tokens (3,910 characters, under the 4,000-character limit) against its 1,024 positions.
    await panel(page).getByLabel("System prompt").fill("Please be very kind and thorough. ".repeat(115));
    await panel(page).getByLabel("Max tokens").fill("64");
    await panel(page).getByRole("button", { name: "Save" }).click();
    await expect(panel(page).getByRole("alert")).toHaveText(
      /^The system prompt is \d+ tokens; .+ reads 1024 tokens in all, .*at most \d+ \(about [\d,]+ characters/,
    );
    await shootLightAndDark(page, info, "desktop-chat-settings-refused");

    await panel(page).getByLabel("System prompt").fill("Answer like a sailor.");
    await panel(page).getByLabel("Temperature").fill("1.5");
    await panel(page).getByLabel("Top-p").fill("0.5");
    await panel(page).getByRole("button", { name: "Save" }).click();
    await expect(panel(page)).toBeHidden();
    await expect(summary(page)).toHaveText("T 1.5 · top-p 0.5 · 64 tokens · system prompt");
    await page.reload();
    await expect(summary(page)).toHaveText("T 1.5 · top-p 0.5 · 64 tokens · system prompt");
    await summary(page).click();
    await expect(panel(page).getByLabel("System prompt")).toHaveValue("Answer like a sailor.");
    await shootLightAndDark(page, info, "desktop-chat-settings-panel");
  });

  test("the composer's limit counts the chat's system prompt and max tokens", async ({ page }, info) => {
    await openChat(page);
    await send(page, "Hello");
    await answered(page);
    const limit = page.getByTestId("message-limit");
    const charsOf = async () => Number((await limit.innerText()).split("/")[1]!.replace(/[^\d]/g, ""));
    await expect(limit).toHaveText(/^0 \/ [\d,]+$/);
    const before = await charsOf();

    // Only a system prompt changes; the chat keeps Loom's max tokens (256) as its answer room.
    await summary(page).click();
    await panel(page).getByLabel("System prompt").fill("Please be very kind and thorough. ".repeat(8));
    await panel(page).getByRole("button", { name: "Save" }).click();
    await expect(panel(page)).toBeHidden();
    await expect(summary(page)).toHaveText("T 0.7 · top-p 0.9 · 256 tokens · system prompt");
    await expect.poll(charsOf).toBeLessThan(before);
    const after = await charsOf();
    // The page shows what the server enforces: over it, Send is off and the server refuses.
    await page.getByLabel("Message", { exact: true }).fill("word ".repeat(Math.ceil((after + 100) / 5)));
    await expect(limit).toContainText(
      /^Too long\. The model reads about [\d,]+ characters \([\d,]+ tokens\) per message in this chat\./,
    );
    await expect(page.getByRole("button", { name: "Send" })).toBeDisabled();
    await shootLightAndDark(page, info, "desktop-chat-limit-with-system-prompt");
    await expect(page).toHaveURL(/\/chat\/[0-9a-f-]{36}$/);
    const chatId = page.url().split("/").pop();
    const tokens = Number(/\(([\d,]+) tokens\)/.exec(await limit.innerText())![1]!.replace(/,/g, ""));
    const response = await page.request.post("/api/chat", {
      data: { chatId, parentId: null, message: { id: crypto.randomUUID(), text: "a ".repeat(tokens + 20) } },
    });
    expect(response.status()).toBe(413);
    expect((await response.json()).error).toMatch(new RegExp(`a message can have at most ${tokens}\\.`));
    // The same limit after a reload (the page's loader measures it as the save did).
    await page.reload();
    await expect(limit).toHaveText(`0 / ${after.toLocaleString("en")}`);
  });

  test("a temporary chat: a banner, not listed, not searchable, not exported or rated, deleted on leaving", async ({
    page,
  }, info) => {
    await openChat(page);
    await page.getByLabel("Temporary chat").check();
    await expect(page.getByRole("note")).toHaveText(/Not kept/);
    await send(page, "Secret walrus question");
    await expect(page).toHaveURL(/\/chat\/[0-9a-f-]{36}$/);
    const url = page.url();
    await expect(page.getByRole("note", { name: "Temporary chat" })).toBeVisible();
    await answered(page);
    await expect(conversations(page).getByRole("link", { name: /Secret walrus/ })).toHaveCount(0);
    await expect(page.getByRole("link", { name: /Export/ })).toHaveCount(0);
    await expect(answers(page).getByRole("button", { name: "Good answer" })).toHaveCount(0);
    const search = await page.request.get("/api/chats?q=walrus");
    expect(((await search.json()) as { chats: unknown[] }).chats).toEqual([]);
    await shootLightAndDark(page, info, "desktop-temporary-chat");

    // Leaving it for another page of Loom deletes it.
    await conversations(page).getByRole("link", { name: "New chat" }).click();
    await expect(page).toHaveURL(/\/chat$/);
    await expect.poll(async () => (await page.request.get(url)).status()).toBe(404);
  });
});

test.describe("phone", () => {
  test.use(phone());

  test("the settings line and panel fit the screen; the temporary banner", async ({ page }, info) => {
    await openChat(page);
    await page.getByLabel("Temporary chat").check();
    await send(page, "Hello");
    await expect(page.getByRole("note", { name: "Temporary chat" })).toBeVisible();
    await answered(page);
    await expect(summary(page)).toBeVisible();
    await shootLightAndDark(page, info, "phone-temporary-chat");

    await summary(page).click();
    const width = page.viewportSize()!.width;
    const box = (await panel(page).boundingBox())!;
    expect(box.x).toBeGreaterThanOrEqual(0);
    expect(box.x + box.width).toBeLessThanOrEqual(width);
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(width);
    await panel(page).getByLabel("Max tokens").fill("32");
    await panel(page).getByRole("button", { name: "Save" }).click();
    await expect(summary(page)).toHaveText("T 0.7 · top-p 0.9 · 32 tokens");
    await summary(page).click();
    await shootLightAndDark(page, info, "phone-chat-settings-panel");
  });
});
