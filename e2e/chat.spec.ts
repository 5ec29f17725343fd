import { expect, test } from "@playwright/test";
import { answers, openChat, send } from "./chat-helpers";

test.describe.configure({ timeout: 180_000 });

test("a chat turn streams, is kept, and shows the model that answered", async ({ page }) => {
  await openChat(page);
  await send(page, "Hello! Who are you?");
  await expect(page).toHaveURL(/\/chat\/[0-9a-f-]{36}$/);
  await expect(page.getByRole("article", { name: "Your message" })).toHaveText(/Hello! Who are you\?/);
  // (Stop while streaming is covered with paced streaming in chat-resume.spec.ts: a fast model
  // may finish before any assertion could see it.)
  await expect(page.getByRole("button", { name: "Send" })).toBeVisible({ timeout: 60_000 });
  const answer = answers(page).first();
  await expect(answer).not.toHaveText(/^…?$/);
  await expect(answer.getByTitle("Model that answered")).toBeVisible();
  // Kept: the conversation is listed with its automatic title and survives a reload.
  await expect(
    page.getByRole("complementary", { name: "Conversations" }).getByRole("link", { name: "Hello! Who are you?" }),
  ).toBeVisible();
  const text = await answer.locator(".prose-loom").innerText();
  await page.reload();
  await expect(answers(page).first().locator(".prose-loom")).toHaveText(text);
});

test("editing a message creates a branch; both branches stay reachable", async ({ page }) => {
  await openChat(page);
  await send(page, "First version");
  await expect(page.getByRole("button", { name: "Send" })).toBeVisible({ timeout: 90_000 });

  await page.getByRole("article", { name: "Your message" }).getByRole("button", { name: "Edit" }).click();
  await page.getByLabel("Edit message").fill("Second version");
  await page.getByRole("button", { name: "Save & send" }).click();
  await expect(page.getByRole("button", { name: "Send" })).toBeVisible({ timeout: 90_000 });
  const question = page.getByRole("article", { name: "Your message" });
  await expect(question).toContainText("Second version");
  await expect(question.getByRole("navigation", { name: "Versions" })).toContainText("2/2");

  await question.getByRole("button", { name: "Previous version" }).click();
  await expect(page.getByRole("article", { name: "Your message" })).toContainText("First version");
  await expect(
    page.getByRole("article", { name: "Your message" }).getByRole("navigation", { name: "Versions" }),
  ).toContainText("1/2");
  await expect(answers(page)).toHaveCount(1);

  await page.getByRole("article", { name: "Your message" }).getByRole("button", { name: "Next version" }).click();
  await expect(page.getByRole("article", { name: "Your message" })).toContainText("Second version");
});

test("regenerate adds a sibling answer; feedback is stored; export downloads the conversation", async ({ page }) => {
  await openChat(page);
  await send(page, "Say something");
  await expect(page.getByRole("button", { name: "Send" })).toBeVisible({ timeout: 90_000 });
  await answers(page).getByRole("button", { name: "Regenerate" }).click();
  await expect(page.getByRole("button", { name: "Send" })).toBeVisible({ timeout: 90_000 });
  await expect(answers(page).getByRole("navigation", { name: "Versions" })).toContainText("2/2");

  await answers(page).getByRole("button", { name: "Good answer" }).click();
  await expect(answers(page).getByRole("button", { name: "Good answer" })).toHaveAttribute("aria-pressed", "true");
  await page.reload();
  await expect(answers(page).getByRole("button", { name: "Good answer" })).toHaveAttribute("aria-pressed", "true");

  const download = page.waitForEvent("download");
  await page.getByRole("link", { name: "Export .md" }).click();
  const file = await download;
  expect(file.suggestedFilename()).toBe("Say something.md");
});

test("search finds a conversation by its content; an oversize message is refused with the limit", async ({ page }) => {
  await openChat(page);
  await send(page, "zebra crossing question");
  await expect(page.getByRole("button", { name: "Send" })).toBeVisible({ timeout: 90_000 });
  await page.keyboard.press("Control+k");
  await expect(page.getByLabel("Search conversations")).toBeFocused();
  await page.keyboard.type("zebra");
  await expect(page.getByRole("complementary", { name: "Conversations" }).getByRole("link")).toHaveCount(1);

  // Within the 8,000 characters but more than the model reads (issue 12; 1,200 tokens against
  // loom-chat's 1,024): the limit is shown, in the model's terms, before sending.
  const limit = page.getByTestId("message-limit");
  await page.getByLabel("Message", { exact: true }).fill("word ".repeat(1_200));
  await expect(limit).toContainText(
    /Too long\. The model reads about [\d,]+ characters \([\d,]+ tokens\) per message in this chat\./,
  );
  await expect(page.getByRole("button", { name: "Send" })).toBeDisabled();
  await page.getByLabel("Message", { exact: true }).fill("x".repeat(8_001));
  await expect(limit).toContainText("Too long.");
  await expect(page.getByRole("button", { name: "Send" })).toBeDisabled();
  // The server enforces the same limit for any client.
  // The conversation's own address (a page still on /chat would send "chat" as its id: a 400).
  await expect(page).toHaveURL(/\/chat\/[0-9a-f-]{36}$/);
  const chatId = page.url().split("/").pop();
  const response = await page.request.post("/api/chat", {
    data: { chatId, parentId: null, message: { id: crypto.randomUUID(), text: "x".repeat(8_001) } },
  });
  expect(response.status()).toBe(413);
  expect((await response.json()).error).toContain("8,000 characters");
});
