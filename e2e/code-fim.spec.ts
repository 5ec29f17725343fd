// Completing in the middle of a function: the page sends the code after the cursor too (the
// default Code model, loom-code, fills in the middle), and Tab inserts exactly the ghost text at
// the cursor, the code after it untouched. Real server, real model, Chromium.
import { expect, test, type Page } from "@playwright/test";
import { newUser, signUp } from "./accounts";

const GENERATION_TIMEOUT = 90_000;

/** The document without the ghost text, line by line. */
const documentText = (page: Page) =>
  page.evaluate(() => {
    const content = document.querySelector(".cm-content")!.cloneNode(true) as HTMLElement;
    content.querySelectorAll(".cm-ghost-text").forEach((g) => g.remove());
    return Array.from(content.querySelectorAll(".cm-line"), (l) => l.textContent ?? "").join("\n");
  });

test("a suggestion in the middle of a function is inserted exactly as shown", async ({ page }) => {
  await signUp(page, newUser());
  await page.goto("/code");
  await expect(page.locator("#app-form[data-hydrated]")).toBeAttached({ timeout: 30_000 });
  await page.getByLabel("Language").selectOption("javascript");
  await page.getByLabel("Suggest as I type").uncheck();
  await page.getByRole("textbox", { name: "Code" }).click();
  for (const [i, line] of [
    "function area(width, height) {",
    "const w = Number(width);",
    "return w * h;",
    "}",
  ].entries()) {
    if (i > 0) await page.keyboard.press("Enter"); // the editor indents the new line
    await page.keyboard.type(line);
  }
  // Back to the end of the first statement, and a new line under it: the cursor is mid-function.
  await page.keyboard.press("ArrowUp");
  await page.keyboard.press("ArrowUp");
  await page.keyboard.press("End");
  await page.keyboard.press("Enter");
  // (Indentation is the editor's: the language loads lazily, so it is read, not assumed.)
  const lines = (await documentText(page)).split("\n");
  expect(lines).toHaveLength(5);
  expect(lines[1]).toContain("const w = Number(width);");
  expect(lines[2]).toMatch(/^\s*$/);
  expect(lines[3]).toContain("return w * h;");
  const head = lines.slice(0, 3).join("\n");
  const tail = `\n${lines.slice(3).join("\n")}`;

  const sent = page.waitForRequest((r) => r.url().endsWith("/api/code") && r.method() === "POST");
  await page.keyboard.press("Control+Space");
  const body = (await sent).postDataJSON() as { code: string; suffix: string };
  expect(body.code).toBe(head);
  expect(body.suffix).toBe(tail);

  const ghost = page.locator(".cm-ghost-text");
  await expect(ghost).toBeVisible({ timeout: GENERATION_TIMEOUT });
  await expect(page.getByRole("button", { name: "Stop" })).toHaveCount(0, { timeout: GENERATION_TIMEOUT });
  const suggestion = (await ghost.textContent()) ?? "";
  expect(suggestion.length).toBeGreaterThan(0);

  await page.keyboard.press("Tab");
  await expect.poll(() => documentText(page)).toBe(`${head}${suggestion}${tail}`);
});
