// The four one-shot applications in a real browser against the real server and models: each
// produces output, shows its run statistics, and refuses what is over its limits. Outputs are
// only checked for being there (the suite also runs on tiny random-weight models).
import { expect, test, type Locator, type Page } from "@playwright/test";
import { newUser, signUp } from "./accounts";
import { startServer, type RunningServer } from "./server";

const GENERATION_TIMEOUT = 90_000;

/** Opens a page and waits until it has hydrated (its form is live), so typing reaches React. */
async function goto(page: Page, url: string) {
  await page.goto(url);
  await expect(page.locator("#app-form[data-hydrated]")).toBeAttached({ timeout: 30_000 });
}

async function openApp(page: Page, path: string, title: string) {
  await signUp(page, newUser());
  await goto(page, path);
  await expect(page.getByRole("heading", { level: 1, name: title })).toBeVisible();
  await expect(
    page.getByText("No model is assigned"),
    `no model is assigned to ${title}: install the default models in models/ or point LOOM_MODELS_DIR at a model store`,
  ).toHaveCount(0);
  // The picker offers the assigned models with the default chosen.
  await expect(page.getByLabel("Model")).not.toHaveValue("");
}

/** Waits for a run to finish: its Stop button is gone and the run button is back. */
async function waitForRun(page: Page, runButton: string) {
  await expect(page.getByRole("button", { name: runButton })).toBeVisible({ timeout: GENERATION_TIMEOUT });
  await expect(page.getByRole("button", { name: "Stop" })).toHaveCount(0);
}

async function expectStats(scope: Page | Locator) {
  const stats = scope.getByLabel("Run statistics");
  await expect(stats).toContainText("tokens in");
  await expect(stats.getByTitle("Model that answered")).not.toBeEmpty();
}

test("summarise streams a summary with its statistics and a copy button", async ({ page }) => {
  await openApp(page, "/summarize", "Summarise");
  // Short enough to fit in one pass even in a tiny model's context (no map-reduce rounds).
  await page
    .getByLabel("Text to summarise")
    .fill("The council agreed on Tuesday to build the new library next to the park.");
  await page.getByText("Short", { exact: true }).click();
  await expect(page.getByRole("radio", { name: "Short" })).toBeChecked();
  await page.getByRole("button", { name: "Summarise" }).click();
  await waitForRun(page, "Summarise");
  await expect(page.getByRole("alert")).toHaveCount(0);
  const summary = page.getByTestId("summary");
  await expect(summary).not.toHaveText(/^\s*$/);
  await expect(summary).not.toContainText("The model returned no text.");
  await expect(page.getByRole("button", { name: "Copy summary" })).toBeVisible();
  await expectStats(page);
});

test("summarise picks the text's key sentences with the default extractive model, and writes with an LLM", async ({
  page,
}) => {
  await openApp(page, "/summarize", "Summarise");
  // The default is models/loom-extract when it is installed (the suite may run on other stores).
  test.skip(
    (await page.getByLabel("Model").inputValue()) !== "loom-extract",
    "Summarise's default is not the extractive loom-extract here",
  );
  await expect(page.getByTestId("summary-kind")).toHaveText("Extractive: picks the article's key sentences");
  const sentences = [
    "The council agreed on Tuesday to build the new library next to the park.",
    "Work will start in the spring and should take two years.",
    "Some residents said the park would lose too many trees.",
    "A public meeting is planned for March.",
  ];
  await page.getByLabel("Text to summarise").fill(`Council backs new library\n\n${sentences.join(" ")}`);
  await page.getByText("Bullet points", { exact: true }).click();
  await page.getByRole("button", { name: "Summarise" }).click();
  await waitForRun(page, "Summarise");
  const items = page.getByTestId("summary").locator("li");
  await expect(items).toHaveCount(3);
  const picked = await items.allInnerTexts();
  // The text's own sentences, in its order.
  const positions = picked.map((s) => sentences.indexOf(s.trim()));
  expect(positions.every((p) => p >= 0)).toBe(true);
  expect(positions).toEqual([...positions].sort((a, b) => a - b));
  await expectStats(page);

  // An LLM assigned to Summarise too: choosing it says who writes the summary.
  const llm = page.getByLabel("Model").locator("option", { hasNotText: /Loom Extract/ });
  test.skip((await llm.count()) === 0, "no language model is assigned to Summarise here");
  const llmName = (await llm.first().innerText()).trim();
  await page.getByLabel("Model").selectOption({ label: llmName });
  await expect(page.getByTestId("summary-kind")).toHaveText(`Written by ${llmName}`);
});

test("summarise reads a dropped text file and refuses other files", async ({ page }) => {
  await openApp(page, "/summarize", "Summarise");
  const zone = page.getByTestId("drop-zone");
  const drop = async (name: string, type: string, content: string) => {
    const dataTransfer = await page.evaluateHandle(
      ({ name, type, content }) => {
        const dt = new DataTransfer();
        dt.items.add(new File([content], name, { type }));
        return dt;
      },
      { name, type, content },
    );
    await zone.dispatchEvent("dragover", { dataTransfer });
    await zone.dispatchEvent("drop", { dataTransfer });
  };
  await drop("notes.md", "text/markdown", "# Notes\n\nThe meeting moved to Friday.");
  await expect(page.getByLabel("Text to summarise")).toHaveValue("# Notes\n\nThe meeting moved to Friday.");
  await expect(page.getByText("Loaded “notes.md”")).toBeVisible();

  await drop("photo.png", "image/png", "not really a picture");
  await expect(page.getByRole("alert")).toContainText("not a text file");
  await expect(page.getByLabel("Text to summarise")).toHaveValue("# Notes\n\nThe meeting moved to Friday.");

  // The file picker works the same way.
  await page.getByLabel("Open a .txt or .md file").setInputFiles({
    name: "report.txt",
    mimeType: "text/plain",
    buffer: Buffer.from("Sales rose in March."),
  });
  await expect(page.getByLabel("Text to summarise")).toHaveValue("Sales rose in March.");
});

test("an oversize input shows the limit, and the server refuses it with 413 and the same limit", async ({ page }) => {
  await openApp(page, "/summarize", "Summarise");
  const input = page.getByLabel("Text to summarise");
  await input.fill("x".repeat(100_001));
  await expect(page.getByText("Texts are limited to 100,000 characters.")).toBeVisible();
  await expect(input).toHaveAttribute("aria-invalid", "true");
  await expect(page.getByRole("button", { name: "Summarise" })).toBeDisabled();
  await input.fill("x".repeat(100_000));
  await expect(page.getByText("100,000 / 100,000 characters")).toBeVisible();

  const response = await page.request.post("/api/summarize", { data: { text: "x".repeat(100_001) } });
  expect(response.status()).toBe(413);
  expect(await response.json()).toEqual({ error: "Texts are limited to 100,000 characters.", code: "TOO_LARGE" });

  await goto(page, "/translate");
  await page.getByLabel("Text to translate").fill("y".repeat(5_001));
  await expect(page.getByText("Texts are limited to 5,000 characters.")).toBeVisible();
  await expect(page.getByRole("button", { name: "Translate" })).toBeDisabled();

  await goto(page, "/sentiment");
  await page.getByLabel("Texts (one per line)").fill(Array.from({ length: 201 }, (_, i) => `text ${i}`).join("\n"));
  await expect(page.getByText("At most 200 texts at once")).toBeVisible();
  await expect(page.getByRole("button", { name: "Analyse" })).toBeDisabled();
});

test("translate offers the model's language pairs, streams a translation and detects the source", async ({ page }) => {
  await openApp(page, "/translate", "Translate");
  const from = page.getByLabel("From", { exact: true });
  const to = page.getByLabel("To", { exact: true });
  await expect(from).toHaveValue("auto");

  // An explicit pair the model declares: the first source, then the first target offered for it.
  const sources = (
    await from.locator("option").evaluateAll((os) => os.map((o) => (o as HTMLOptionElement).value))
  ).filter((v) => v !== "auto");
  expect(sources.length, "the translate model declares no language pairs").toBeGreaterThan(0);
  const source = sources.includes("en") ? "en" : sources[0]!;
  await from.selectOption(source);
  const targets = await to.locator("option").evaluateAll((os) => os.map((o) => (o as HTMLOptionElement).value));
  expect(targets.length).toBeGreaterThan(0);
  expect(targets).not.toContain(source);
  await to.selectOption(targets[0]!);

  await page
    .getByLabel("Text to translate")
    .fill("The weather is nice today and the children are playing in the garden.");
  // Ctrl+Enter runs.
  await page.getByLabel("Text to translate").press("Control+Enter");
  await waitForRun(page, "Translate");
  await expect(page.getByRole("alert")).toHaveCount(0);
  await expect(page.getByTestId("translation")).not.toHaveText(/^\s*$/);
  await expect(page.getByTestId("translation")).not.toContainText("The model returned no text.");
  await expect(page.getByRole("button", { name: "Copy translation" })).toBeVisible();
  await expectStats(page);

  // Detect language: English text with "auto" reports what it found.
  if (source === "en") {
    await from.selectOption("auto");
    await to.selectOption(targets[0]!);
    await page.getByRole("button", { name: "Translate" }).click();
    await waitForRun(page, "Translate");
    await expect(page.getByText("Detected: English")).toBeVisible();
    // Swap: the detected language becomes the target when the model translates back.
    const swap = page.getByRole("button", { name: "Swap languages" });
    if (await swap.isEnabled()) {
      await swap.click();
      await expect(from).toHaveValue(targets[0]!);
      await expect(to).toHaveValue("en");
    }
  }
});

test("code completion shows ghost text at the cursor and Tab accepts it; Tab alone indents", async ({ page }) => {
  await openApp(page, "/code", "Code");
  const editor = page.getByRole("textbox", { name: "Code" });
  const ghost = page.locator(".cm-ghost-text");
  const documentText = () =>
    page.evaluate(() => {
      const content = document.querySelector(".cm-content")!.cloneNode(true) as HTMLElement;
      content.querySelectorAll(".cm-ghost-text").forEach((g) => g.remove());
      return Array.from(content.querySelectorAll(".cm-line"), (l) => l.textContent ?? "").join("\n");
    });

  // Tab without a suggestion indents.
  await page.getByLabel("Suggest as I type").uncheck();
  await editor.click();
  await page.keyboard.type("x");
  await page.keyboard.press("Home");
  await page.keyboard.press("Tab");
  expect(await documentText()).toMatch(/^\s+x$/);
  await page.keyboard.press("Control+a");
  await page.keyboard.press("Backspace");

  // A pause after typing asks for a suggestion; it streams in as ghost text at the cursor.
  await page.getByLabel("Suggest as I type").check();
  await editor.click();
  await page.keyboard.type("function add(a, b) {\nreturn a");
  await expect(ghost).toBeVisible({ timeout: GENERATION_TIMEOUT });
  await expect(page.getByRole("button", { name: "Stop" })).toHaveCount(0, { timeout: GENERATION_TIMEOUT });
  const suggestion = (await ghost.textContent()) ?? "";
  expect(suggestion.length).toBeGreaterThan(0);
  const before = await documentText();
  expect(before).not.toContain(suggestion);

  // Tab accepts: the suggestion becomes part of the document, after the cursor.
  await page.getByLabel("Suggest as I type").uncheck();
  await editor.focus();
  await page.keyboard.press("Tab");
  await expect.poll(documentText).toBe(before + suggestion);
  await expect(ghost).toHaveCount(0);
  await expectStats(page);

  // Ctrl+Space asks at once; Esc dismisses the suggestion and the document stays as it was.
  await page.keyboard.press("Control+Space");
  await expect(ghost).toBeVisible({ timeout: GENERATION_TIMEOUT });
  await page.keyboard.press("Escape");
  await expect(ghost).toHaveCount(0);
  expect(await documentText()).toBe(before + suggestion);
});

test("sentiment labels each text, charts a batch, breaks long texts into sentences and exports CSV", async ({
  page,
}) => {
  await openApp(page, "/sentiment", "Sentiment");
  const long =
    "The hotel room was spacious and spotless. The staff at the front desk were friendly and quick. " +
    "Sadly the restaurant was noisy and the food arrived cold. We would still come back for the view.";
  await page
    .getByLabel("Texts (one per line)")
    .fill(["I loved this film.", "The service was slow and rude.", long].join("\n"));
  await expect(page.getByText("3 texts")).toBeVisible();
  await page.getByRole("button", { name: "Analyse" }).click();

  const results = page.getByTestId("sentiment-result");
  await expect(results).toHaveCount(3, { timeout: GENERATION_TIMEOUT });
  for (const result of await results.all()) {
    await expect(result.getByRole("meter").first()).toBeVisible();
  }
  const chart = page.getByRole("img", { name: /Label distribution/ });
  await expect(chart).toBeVisible();
  await expect(chart.locator("rect")).not.toHaveCount(0);
  await expect(page.getByTestId("sentiment-method")).toHaveText(/classifier|zero-shot/);
  await expectSentenceBreakdown(results.nth(2));

  const download = page.waitForEvent("download");
  await page.getByRole("button", { name: "Export CSV" }).click();
  const file = await download;
  expect(file.suggestedFilename()).toBe("sentiment-results.csv");
  const csv = await streamToString(await file.createReadStream());
  expect(csv.split("\n")[0]).toMatch(/^text,label,confidence,p_/);
  expect(csv).toContain("I loved this film.");

  // A CSV upload: the text column is read, quoted commas and all.
  await page.getByLabel("Upload a CSV").setInputFiles({
    name: "reviews.csv",
    mimeType: "text/csv",
    buffer: Buffer.from('id,review\n1,"Great value, would buy again"\n2,Broke after a week\n'),
  });
  await expect(page.getByText("reviews.csv")).toBeVisible();
  await page.getByRole("button", { name: "Analyse" }).click();
  await expect(results).toHaveCount(2, { timeout: GENERATION_TIMEOUT });
  await expect(results.first()).toContainText("Great value, would buy again");
});

async function expectSentenceBreakdown(result: Locator) {
  const toggle = result.getByText(/Sentence by sentence \(\d+\)/);
  await expect(toggle).toBeVisible();
  await toggle.click();
  await expect(result.locator("details li").first()).toBeVisible();
}

async function streamToString(stream: NodeJS.ReadableStream) {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.from(chunk as Buffer));
  return Buffer.concat(chunks).toString("utf8");
}

test.describe("with paced streaming", () => {
  // Its own server with a pause before each streamed piece (LOOM_STREAM_DELAY_MS), so that Stop
  // can be pressed mid-answer whatever the speed of the model.
  test.describe.configure({ timeout: 120_000 });
  let server: RunningServer;
  test.beforeAll(async () => {
    // startServer waits up to 120 s; the hook's default 60 s ran out on a loaded machine.
    test.setTimeout(150_000);
    server = await startServer({ LOOM_STREAM_DELAY_MS: "150" });
  });
  test.afterAll(async () => {
    await server?.stop();
  });
  test.use({ baseURL: undefined });

  test("Stop ends a streaming summary, keeps what came, and does not start it again", async ({ page }) => {
    await signUp(page, newUser(), server.baseUrl);
    await goto(page, `${server.baseUrl}/summarize`);
    // A language model's summary (the extractive default streams its few sentences at once).
    const llm = page.getByLabel("Model").locator("option", { hasNotText: /Loom Extract/ });
    await page.getByLabel("Model").selectOption({ label: (await llm.first().innerText()).trim() });
    // Medium: up to 160 tokens at 150 ms each leaves ample time to press Stop mid-answer.
    await page.getByLabel("Text to summarise").fill("The council agreed on Tuesday to build the new library.");
    await page.getByText("Medium", { exact: true }).click();
    await page.getByRole("button", { name: "Summarise" }).click();
    const summary = page.getByTestId("summary");
    await expect(summary.locator(".prose-loom")).toBeVisible({ timeout: GENERATION_TIMEOUT });
    await page.getByRole("button", { name: "Stop" }).click();
    await expect(page.getByRole("button", { name: "Summarise" })).toBeVisible();
    await expect(page.getByLabel("Run statistics")).toContainText("stopped");
    const kept = await summary.innerText();
    expect(kept.trim().length).toBeGreaterThan(0);
    // Stopped for good: no new run starts and the text stays as it was.
    await page.waitForTimeout(1_500);
    await expect(page.getByRole("button", { name: "Stop" })).toHaveCount(0);
    expect(await summary.innerText()).toBe(kept);
  });
});

test("the application APIs answer 401 JSON without a session", async ({ request }) => {
  const calls: [string, unknown][] = [
    ["/api/summarize", { text: "Hello", length: "short" }],
    ["/api/translate", { text: "Hello", source: "en", target: "de" }],
    ["/api/code", { code: "let x =", language: "javascript", mode: "inline" }],
    ["/api/sentiment", { texts: ["Hello"] }],
  ];
  for (const [path, data] of calls) {
    const response = await request.post(path, { data });
    expect(response.status(), path).toBe(401);
    expect(response.headers()["content-type"], path).toContain("application/json");
    expect(await response.json(), path).toEqual({ error: "Sign in to use this application.", code: "UNAUTHENTICATED" });
  }
});
