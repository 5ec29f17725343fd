import { expect, test } from "@playwright/test";
import { answers, openChat, send } from "./chat-helpers";
import { desktop, phone, shootLightAndDark } from "./screens";

test.describe.configure({ timeout: 180_000 });

// Unbroken and nearly as long as the model accepts with Loom's default max tokens (loom-chat
// keeps 192 of its 384 positions for the answer, leaving a message 162 tokens, a character each):
// without wrapping it alone is ~1,200 px wide, more than the conversation's column.
const unbroken = (c: string) => c.repeat(150);

/** Every message lies inside the screen (an overflow to the left would not even scroll). */
async function expectMessagesInside(page: import("@playwright/test").Page) {
  const width = page.viewportSize()!.width;
  expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(width);
  for (const article of await page.getByRole("article").all()) {
    const box = (await article.boundingBox())!;
    expect(box.x).toBeGreaterThanOrEqual(0);
    expect(box.x + box.width).toBeLessThanOrEqual(width);
  }
}

const conversations = (page: import("@playwright/test").Page) =>
  page.getByRole("complementary", { name: "Conversations" });

test.describe("phone", () => {
  test.use(phone());

  test("the chat list is a drawer; no keyboard hints on a touch screen", async ({ page }, info) => {
    await openChat(page);
    // The conversation comes first: the list waits behind the Chats button.
    await expect(conversations(page)).toBeHidden();
    await expect(page.getByLabel("Message", { exact: true })).toHaveAttribute("placeholder", "Ask anything…");
    await send(page, "Hello there");
    await expect(page.getByRole("button", { name: "Send" })).toBeVisible({ timeout: 90_000 });
    const box = await page.getByRole("article", { name: "Your message" }).boundingBox();
    expect(box!.y).toBeLessThan(260); // near the top, not under a list and a search box

    await page.getByRole("button", { name: "Chats" }).click();
    await expect(conversations(page)).toBeVisible();
    await expect(page.getByLabel("Search conversations")).toHaveAttribute("placeholder", "Search");
    await shootLightAndDark(page, info, "phone-chat-drawer");
    await conversations(page).getByRole("link", { name: "New chat" }).click();
    await expect(page).toHaveURL(/\/chat$/);
    await expect(conversations(page)).toBeHidden();
  });

  test("a long unbroken string wraps inside the screen", async ({ page }, info) => {
    await openChat(page);
    await send(page, unbroken("x"));
    await expect(page.getByRole("article", { name: "Your message" })).toBeVisible();
    await expect(page.getByRole("button", { name: "Send" })).toBeVisible({ timeout: 90_000 });
    await expectMessagesInside(page);
    await shootLightAndDark(page, info, "phone-chat-long-string");
  });
});

test.describe("desktop", () => {
  test.use(desktop);

  test("keyboard hints, icons instead of emoji, a visible Copy on the user's bubble, wrapping", async ({
    page,
  }, info) => {
    await openChat(page);
    await expect(conversations(page)).toBeVisible();
    await expect(page.getByRole("button", { name: "Chats" })).toBeHidden();
    await expect(page.getByLabel("Message", { exact: true })).toHaveAttribute("placeholder", /Enter to send/);
    await expect(page.getByLabel("Search conversations")).toHaveAttribute("placeholder", "Search (Ctrl+K)");

    await send(page, unbroken("y"));
    await expect(page.getByRole("article", { name: "Your message" })).toBeVisible();
    await expect(page.getByRole("button", { name: "Send" })).toBeVisible({ timeout: 90_000 });
    await expectMessagesInside(page);

    // Thumbs are drawn icons, not emoji characters (boxes without an emoji font).
    const good = answers(page).getByRole("button", { name: "Good answer" });
    await expect(good.locator("svg")).toBeVisible();
    await expect(good).toHaveText("");
    // Copy on the brand-coloured bubble is in the bubble's white, not a grey on blue.
    const copy = page.getByRole("article", { name: "Your message" }).getByRole("button", { name: "Copy" });
    await expect(copy).toBeVisible();
    expect(await copy.evaluate((e) => getComputedStyle(e).color)).toBe("rgb(255, 255, 255)");
    await shootLightAndDark(page, info, "desktop-chat-icons");
  });
});
