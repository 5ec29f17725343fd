// Refusals a client can see (issue 14): an error before the first token is an HTTP status with
// `{ error, code }` JSON, never a 200 stream; the pages show the message, offer Retry only when
// a later try can succeed, and ask for the source language when detection is unsure. Sentiment
// flags texts in a language its model does not declare. Real server, real default models.
import { expect, test, type Page } from "@playwright/test";
import { newUser, signUp } from "./accounts";

const GENERATION_TIMEOUT = 90_000;

async function openApp(page: Page, path: string) {
  await signUp(page, newUser());
  await page.goto(path);
  await expect(page.locator("#app-form[data-hydrated]")).toBeAttached({ timeout: 30_000 });
}

const arabic = "سأسافر إلى القاهرة الأسبوع القادم لزيارة عائلتي.";

test("translate refusals are 4xx JSON that name the languages, before any stream", async ({ page }) => {
  await signUp(page, newUser());
  const post = (data: unknown) => page.request.post("/api/translate", { data });

  const pair = await post({ text: "The weather is nice today.", source: "en", target: "es" });
  expect(pair.status()).toBe(422);
  expect(pair.headers()["content-type"]).toContain("application/json");
  expect(await pair.json()).toEqual({
    error: "This model does not translate English to Spanish.",
    code: "PAIR_NOT_SUPPORTED",
  });

  const detected = await post({ text: arabic, source: "auto", target: "en" });
  expect(detected.status()).toBe(422);
  const body = (await detected.json()) as { error: string; code: string };
  expect(body.code).toBe("LANGUAGE_NOT_SUPPORTED");
  expect(body.error).toContain("Arabic");

  // A prompt longer than the model's context: refused with a status (the engine's 413, or the
  // app's own refusal once it fits prompts), not a 200 stream with only an error event.
  const long = await post({ text: "The weather is nice today. ".repeat(180), source: "en", target: "de" });
  expect(long.status(), await long.text()).toBeGreaterThanOrEqual(400);
  expect(long.status()).toBeLessThan(500);
  expect(long.headers()["content-type"]).toContain("application/json");
});

test("translate: an unsupported detected language shows its name and no Retry", async ({ page }) => {
  await openApp(page, "/translate");
  await page.getByLabel("Text to translate").fill(arabic);
  await page.getByRole("button", { name: "Translate" }).click();
  const alert = page.getByRole("alert");
  await expect(alert).toContainText("Arabic", { timeout: GENERATION_TIMEOUT });
  await expect(alert.getByRole("button", { name: "Retry" })).toHaveCount(0);
});

test("translate asks for the source language when detection is unsure", async ({ page }) => {
  await openApp(page, "/translate");
  const from = page.getByLabel("From", { exact: true });
  await page.getByLabel("Text to translate").fill("ok");
  await page.getByRole("button", { name: "Translate" }).click();
  await expect(page.getByRole("alert")).toContainText("Choose the source language", { timeout: GENERATION_TIMEOUT });
  await expect(from).toHaveAttribute("aria-invalid", "true");
  await from.selectOption("en");
  await expect(page.getByRole("alert")).toHaveCount(0);
  await expect(from).not.toHaveAttribute("aria-invalid", "true");
});

test("sentiment flags a text in a language the model does not know instead of labelling it", async ({ page }) => {
  await openApp(page, "/sentiment");
  await page.getByLabel("Texts (one per line)").fill(["I loved this film.", arabic].join("\n"));
  await page.getByRole("button", { name: "Analyse" }).click();
  const results = page.getByTestId("sentiment-result");
  await expect(results).toHaveCount(2, { timeout: GENERATION_TIMEOUT });
  await expect(results.nth(0).getByRole("meter").first()).toBeVisible();
  await expect(results.nth(1)).toContainText("Arabic: not a language this model knows");
  await expect(results.nth(1).getByRole("meter")).toHaveCount(0);
});

test("the one-shot APIs take POST only: any other method is 405 JSON", async ({ page }) => {
  await signUp(page, newUser());
  for (const app of ["summarize", "translate", "code", "sentiment"]) {
    const put = await page.request.put(`/api/${app}`, { data: { text: "Hello." } });
    expect(put.status(), app).toBe(405);
    expect((await put.json()).error).toBe("Use POST.");
  }
});
