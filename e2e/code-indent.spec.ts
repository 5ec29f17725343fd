// Accepting a code suggestion with Tab inserts exactly the ghost text, and on a new indented line
// it keeps the editor's indentation (the model's own is dropped: 4 spaces stay 4, not 5 or 8).
// TypeScript and Python, against the real server and its default model.
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

const cases = [
  { language: "typescript", label: "TypeScript", opener: "function add(a: number, b: number) {", indent: "  " },
  { language: "python", label: "Python", opener: "def add(a, b):", indent: "    " },
];

for (const { language, label, opener, indent } of cases) {
  test(`${label}: Tab inserts the suggestion exactly, at the editor's indentation`, async ({ page }) => {
    await signUp(page, newUser());
    await page.goto("/code");
    await expect(page.locator("#app-form[data-hydrated]")).toBeAttached({ timeout: 30_000 });
    await page.getByLabel("Language").selectOption(language);
    await page.getByLabel("Suggest as I type").uncheck();
    await page.getByRole("textbox", { name: "Code" }).click();
    await page.keyboard.type(opener);
    await page.keyboard.press("Enter"); // the editor indents the new line
    expect(await documentText(page)).toBe(`${opener}\n${indent}`);

    await page.keyboard.press("Control+Space");
    const ghost = page.locator(".cm-ghost-text");
    await expect(ghost).toBeVisible({ timeout: GENERATION_TIMEOUT });
    await expect(page.getByRole("button", { name: "Stop" })).toHaveCount(0, { timeout: GENERATION_TIMEOUT });
    const suggestion = (await ghost.textContent()) ?? "";
    // Shown from the cursor on: it does not start with indentation of its own.
    expect(suggestion).toMatch(/^\S/);

    await page.keyboard.press("Tab");
    await expect.poll(() => documentText(page)).toBe(`${opener}\n${indent}${suggestion}`);
    const lines = (await documentText(page)).split("\n");
    expect(lines[1]).toMatch(new RegExp(`^${indent}\\S`));
  });
}
