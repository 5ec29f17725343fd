// Feedback as training data, end to end: a user rates two regenerated answers one up and one down;
// an admin finds them on Admin › Feedback (filters, the conversation, both downloads); once the
// user opts out in Settings › Privacy, their chat is in neither the page nor the exports.
import { expect, test, type Page } from "@playwright/test";
import { readFileSync } from "node:fs";
import { E2E_ADMIN, newUser, signIn, signUp } from "./accounts";
import { answers, send } from "./chat-helpers";

async function downloaded(page: Page, link: string) {
  const download = page.waitForEvent("download");
  await page.getByRole("link", { name: link }).click();
  const file = await download;
  expect(file.suggestedFilename()).toMatch(/^loom-feedback-(messages|preference)-\d{4}-\d{2}-\d{2}\.jsonl$/);
  return readFileSync((await file.path())!, "utf8");
}

test("rated answers reach Admin › Feedback and its exports until the user opts out", async ({
  page,
  browser,
  baseURL,
}) => {
  test.setTimeout(240_000);
  const question = `Feedback probe ${Date.now()}`;
  await signUp(page, newUser());
  await page.goto("/chat");
  await send(page, question);
  await expect(page.getByRole("button", { name: "Send" })).toBeVisible({ timeout: 90_000 });
  await answers(page).getByRole("button", { name: "Regenerate" }).click();
  await expect(page.getByRole("button", { name: "Send" })).toBeVisible({ timeout: 90_000 });
  await expect(answers(page).getByRole("navigation", { name: "Versions" })).toContainText("2/2");
  await answers(page).getByRole("button", { name: "Good answer" }).click();
  await expect(answers(page).getByRole("button", { name: "Good answer" })).toHaveAttribute("aria-pressed", "true");
  await answers(page).getByRole("button", { name: "Previous version" }).click();
  await expect(answers(page).getByRole("navigation", { name: "Versions" })).toContainText("1/2");
  await answers(page).getByRole("button", { name: "Bad answer" }).click();
  await expect(answers(page).getByRole("button", { name: "Bad answer" })).toHaveAttribute("aria-pressed", "true");

  const adminContext = await browser.newContext({ baseURL });
  const admin = await adminContext.newPage();
  await signIn(admin, E2E_ADMIN);
  await expect(admin).toHaveURL("/");
  await admin.goto("/admin");
  await admin.getByRole("navigation", { name: "Admin" }).getByRole("link", { name: "Feedback" }).click();
  await expect(admin.getByText("Exports may contain personal data")).toBeVisible();
  await admin.getByLabel("Rating").selectOption("down");
  await admin.getByRole("button", { name: "Apply" }).click();
  await expect(admin).toHaveURL(/rating=down/);
  const row = admin.getByTestId("rated-answer").filter({ hasText: question });
  await expect(row).toHaveCount(1);
  await expect(row.getByLabel("Rated bad")).toBeVisible();
  await row.getByText(/Conversation \(2 messages\)/).click();
  await expect(row.getByRole("listitem").first()).toContainText(question);

  // The downloads hold the same selection: the disliked answer, and the pair.
  const rows = (await downloaded(admin, "Export JSONL"))
    .trim()
    .split("\n")
    .map((line) => JSON.parse(line) as { rating: number; messages: { content: string }[] });
  const mine = rows.filter((r) => r.messages[0]!.content === question);
  expect(mine.map((r) => r.rating)).toEqual([-1]);
  const pairs = await downloaded(admin, "Export preference pairs");
  expect(pairs).toContain(JSON.stringify(question));

  // The user opts out: past ratings leave the page and both exports.
  await page.getByRole("link", { name: /^Tester / }).click();
  await page
    .getByRole("navigation", { name: "Settings" })
    .getByRole("link", { name: "Privacy / training data" })
    .click();
  await expect(page.getByTestId("training-status")).toHaveText("Your rated chats may be used for training.");
  await page.getByRole("button", { name: "Opt out of training data" }).click();
  await expect(page.getByTestId("training-status")).toHaveText("Your chats are not used for training.");

  await admin.goto("/admin/feedback");
  await expect(admin.getByTestId("feedback-total")).toBeVisible();
  await expect(admin.getByTestId("rated-answer").filter({ hasText: question })).toHaveCount(0);
  expect(await downloaded(admin, "Export JSONL")).not.toContain(question);
  expect(await downloaded(admin, "Export preference pairs")).not.toContain(question);
  await adminContext.close();
});
