// The personal usage page in Chromium: after one chat answer the user sees today's request, the
// quota left, a row for Chat in the table and the charts. Desktop and phone.
import { expect, test } from "@playwright/test";
import { answers, openChat, send } from "./chat-helpers";
import { desktop, phone, shootLightAndDark } from "./screens";

test.describe.configure({ timeout: 180_000 });

for (const [name, screen] of [
  ["desktop", desktop],
  ["phone", phone()],
] as const) {
  test.describe(name, () => {
    test.use(screen);

    test("the usage page counts the user's own requests per day and app", async ({ page }, info) => {
      await openChat(page);
      await page.goto("/usage");
      await expect(page.getByText(/No requests in the last 30 days/)).toBeVisible();
      await expect(page.getByTestId("requests-today")).toHaveText("0");

      await page.goto("/chat");
      await send(page, "Count me");
      await expect(answers(page)).toHaveCount(1);
      await expect(page.getByRole("button", { name: "Send" })).toBeVisible({ timeout: 90_000 });

      await page.goto("/usage");
      await expect(page.getByRole("heading", { level: 1, name: "Your usage" })).toBeVisible();
      await expect(page.getByTestId("requests-today")).toHaveText("1");
      await expect(page.getByTestId("requests-left")).toHaveText(/no limit|left/);
      const row = page.getByTestId("usage-table").getByRole("row").filter({ hasText: "Chat" });
      await expect(row).toHaveCount(1);
      await expect(row.getByRole("cell").nth(2)).toHaveText("1");
      await expect(page.getByRole("img", { name: /Your requests per day/ })).toBeVisible();
      await shootLightAndDark(page, info, `${name}-usage`);
    });
  });
}
