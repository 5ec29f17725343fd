// The admin area end to end: uploading a model through the page (archive, progress, validation),
// assigning it, using it from an application, a hostile archive refused, the admin pages closed to
// users, and daily quotas enforced.
//
// These tests run on a server of their own with an empty, throwaway model store, so an upload never
// lands in models/ and the applications see only the model uploaded here.
import { test as base, expect } from "@playwright/test";
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import yazl from "yazl";
import { E2E_ADMIN, newUser, signIn, signUp } from "./accounts";
import { startServer, type RunningServer } from "./server";

const FIXTURE = path.resolve("server/inference/__fixtures__/tiny-llama");

interface Loom {
  server: RunningServer;
  /** A scratch folder for the archives the tests build. */
  scratch: string;
}

const test = base.extend<object, { loom: Loom }>({
  loom: [
    // Playwright reads the fixtures a function uses from its first parameter: it must be destructured.
    // eslint-disable-next-line no-empty-pattern
    async ({}, provide) => {
      const scratch = mkdtempSync(path.join(tmpdir(), "loom-e2e-admin-"));
      const modelsDir = path.join(scratch, "models");
      // Its own embedded database as well: a registry sync against this empty store would mark the
      // shared database's models as missing for the other specs (CI shares one PostgreSQL).
      const server = await startServer({ LOOM_MODELS_DIR: modelsDir, DATABASE_URL: "" });
      try {
        await provide({ server, scratch });
      } finally {
        await server.stop();
        rmSync(scratch, { recursive: true, force: true });
      }
    },
    { scope: "worker", timeout: 180_000 },
  ],
  baseURL: async ({ loom }, provide) => provide(loom.server.baseUrl),
});

async function zipOf(entries: { name: string; data: Buffer | string }[]): Promise<Buffer> {
  const zip = new yazl.ZipFile();
  for (const entry of entries) zip.addBuffer(Buffer.from(entry.data), entry.name);
  zip.end();
  const chunks: Buffer[] = [];
  for await (const chunk of zip.outputStream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/**
 * The tiny test model as an admin would zip it: inside its own folder, with config.json declaring
 * two languages so that Translate offers a pair for it.
 */
async function tinyModelZip(): Promise<Buffer> {
  const entries: { name: string; data: Buffer | string }[] = [];
  for (const entry of readdirSync(FIXTURE, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile() || entry.name === "golden.json") continue;
    const full = path.join(entry.parentPath, entry.name);
    const rel = path.relative(FIXTURE, full).split(path.sep).join("/");
    let data: Buffer | string = readFileSync(full);
    if (rel === "config.json") {
      const config = JSON.parse(data.toString("utf8")) as Record<string, unknown>;
      config.loom = { languages: { en: "English", de: "German" }, translation_pairs: [["en", "de"]] };
      data = JSON.stringify(config, null, 2);
    }
    entries.push({ name: `tiny-llama/${rel}`, data });
  }
  return zipOf(entries);
}

/** yazl refuses unsafe names, so the archive is built with a same-length placeholder and patched. */
function patchName(zip: Buffer, from: string, to: string): Buffer {
  const a = Buffer.from(from);
  const b = Buffer.from(to);
  expect(a.length).toBe(b.length);
  let patched = 0;
  for (let at = zip.indexOf(a); at !== -1; at = zip.indexOf(a, at + 1)) {
    b.copy(zip, at);
    patched++;
  }
  expect(patched).toBeGreaterThan(0); // local header and central directory
  return zip;
}

test("an admin uploads a model archive, assigns it to Translate as default, and it translates", async ({
  page,
  loom,
}) => {
  test.setTimeout(180_000);
  const archive = path.join(loom.scratch, "tiny-llama.zip");
  writeFileSync(archive, await tinyModelZip());

  await signIn(page, E2E_ADMIN);
  await expect(page).toHaveURL("/");
  await page.goto("/admin/models");
  await expect(page.getByText("The model registry is empty")).toBeVisible();
  await page.getByRole("link", { name: "Upload a model" }).click();
  await expect(page.getByRole("heading", { level: 1, name: "Upload a model" })).toBeVisible();

  await page.getByLabel("Choose an archive").setInputFiles(archive);
  await expect(page.getByText("tiny-llama.zip")).toBeVisible();
  await expect(page.getByLabel("Model id")).toHaveValue("tiny-llama"); // from the file name
  await page.getByLabel("Display name (optional)").fill("Tiny Llama (e2e)");
  await page.getByRole("checkbox", { name: "Code", exact: true }).check();
  await page.getByRole("button", { name: "Upload and install" }).click();

  const progress = page.getByRole("progressbar", { name: "Upload progress" });
  await expect(progress).toBeVisible();
  await expect(page.getByText("Installed “Tiny Llama (e2e)” (tiny-llama)")).toBeVisible({ timeout: 90_000 });
  await expect(progress).toHaveAttribute("aria-valuetext", /^100%/);
  await expect(page.getByText("Assigned to Code.")).toBeVisible();

  await page.getByRole("link", { name: "Go to models" }).click();
  const row = page.getByRole("row").filter({ hasText: "tiny-llama" });
  await expect(row.getByText("ready", { exact: true })).toBeVisible();
  await expect(row.getByText("LlamaForCausalLM")).toBeVisible();
  await expect(row.getByRole("checkbox", { name: "Code", exact: true })).toBeChecked();

  // Assign to Translate and make it the default there.
  const translate = row.getByRole("checkbox", { name: "Translate", exact: true });
  await translate.click();
  await expect(translate).toBeChecked();
  const translateDefault = row.getByRole("radio", { name: "Default for Translate" });
  await expect(translateDefault).toBeVisible();
  if (!(await translateDefault.isChecked())) await translateDefault.click();
  await expect(translateDefault).toBeChecked();

  // Inline rename, load into memory, and delete refused while assigned (the server's reason shown).
  await row.getByRole("button", { name: "Rename Tiny Llama (e2e)" }).click();
  await row.getByLabel("Display name of tiny-llama").fill("Tiny Llama");
  await row.getByRole("button", { name: "Save" }).click();
  await expect(page.getByRole("status")).toContainText("Renamed tiny-llama to “Tiny Llama”.");
  await row.getByRole("button", { name: "Load", exact: true }).click();
  await expect(page.getByRole("status")).toContainText("into memory");
  await expect(row.getByRole("button", { name: "Unload" })).toBeVisible();
  await row.getByRole("button", { name: "Delete" }).click();
  await row.getByRole("button", { name: "Yes, delete" }).click();
  await expect(page.getByRole("alert")).toContainText('Model "tiny-llama" is assigned to 2 application(s)');
  await expect(row).toBeVisible();

  // The Translate page streams an answer from it.
  await page.goto("/translate");
  await expect(page.getByLabel("Model", { exact: true })).toHaveValue("tiny-llama");
  await page.getByLabel("From", { exact: true }).selectOption("en");
  await page.getByLabel("To", { exact: true }).selectOption("de");
  await page.getByLabel("Text to translate").fill("Hello, how are you today?");
  await page.getByRole("button", { name: "Translate", exact: true }).click();
  const output = page.getByTestId("translation");
  await expect(output).not.toContainText(/The translation appears here|Translating…/, { timeout: 60_000 });
  await expect(page.getByRole("button", { name: "Translate", exact: true })).toBeVisible({ timeout: 60_000 });
  await expect(output).not.toContainText("The model returned no text");
  expect((await output.innerText()).trim().length).toBeGreaterThan(0);

  // Assigned to Code at upload: the code API streams from it too.
  const code = await page.request.post("/api/code", { data: { code: "def add(a, b):", language: "python" } });
  expect(code.status()).toBe(200);
  expect(await code.text()).toContain('"type":"text-delta"');

  // The overview charts and tabulates those runs.
  await page.goto("/admin");
  await expect(page.getByRole("figure", { name: "Requests per hour" })).toBeVisible();
  await expect(page.getByRole("img", { name: /Requests per hour over the last 24 hours: 2 in all/ })).toBeVisible();
  const metricsRow = page.getByRole("row").filter({ hasText: "Tiny Llama" }).filter({ hasText: "Translate" });
  await expect(metricsRow).toBeVisible();
});

test("an admin uploads a model folder, file by file, then deletes it", async ({ page, loom }) => {
  test.setTimeout(120_000);
  const folder = path.join(loom.scratch, "tiny-folder");
  cpSync(FIXTURE, folder, { recursive: true });
  rmSync(path.join(folder, "golden.json"));

  await signIn(page, E2E_ADMIN);
  await expect(page).toHaveURL("/");
  await page.goto("/admin/models");
  await page.getByRole("link", { name: "Upload a model" }).click();
  await page.getByLabel("Choose a folder").setInputFiles(folder);
  await expect(page.getByText("— folder, 5 files")).toBeVisible();
  await expect(page.getByLabel("Model id")).toHaveValue("tiny-folder"); // from the folder name
  await page.getByRole("button", { name: "Upload and install" }).click();
  await expect(page.getByRole("progressbar", { name: "Upload progress" })).toBeVisible();
  await expect(page.getByText("Installed “tiny-folder” (tiny-folder)")).toBeVisible({ timeout: 90_000 });

  await page.getByRole("link", { name: "Go to models" }).click();
  const row = page.getByRole("row").filter({ hasText: "tiny-folder" });
  await expect(row).toContainText("5 files"); // config.json landed at the root, onnx/ beside it
  await row.getByRole("button", { name: "Delete" }).click();
  await row.getByRole("button", { name: "Yes, delete" }).click();
  // (The registry being empty again is a status too: pick the banner by its text.)
  await expect(page.getByRole("status").filter({ hasText: "Deleted “tiny-folder” and its files." })).toBeVisible();
  await expect(row).toHaveCount(0);
});

test("a hostile archive is refused with its reason, and nothing is installed", async ({ page, loom }) => {
  const archive = path.join(loom.scratch, "hostile.zip");
  const zip = await zipOf([
    { name: "config.json", data: "{}" },
    { name: "zz/evil", data: "pwned" },
  ]);
  writeFileSync(archive, patchName(zip, "zz/evil", "../evil"));

  await signIn(page, E2E_ADMIN);
  await expect(page).toHaveURL("/");
  await page.goto("/admin/models");
  await page.getByRole("link", { name: "Upload a model" }).click();
  await page.getByLabel("Choose an archive").setInputFiles(archive);
  await expect(page.getByLabel("Model id")).toHaveValue("hostile");
  await page.getByRole("button", { name: "Upload and install" }).click();
  const alert = page.getByRole("alert");
  await expect(alert).toContainText('The path "../evil" contains ".."');
  await expect(alert).toContainText("The upload was discarded; nothing was added to the model store.");

  await page.goto("/admin/models");
  await expect(page.getByRole("heading", { level: 1, name: "Models" })).toBeVisible();
  await expect(page.getByRole("row").filter({ hasText: "hostile" })).toHaveCount(0);
});

test("a non-admin is refused the admin pages, their actions and the upload API", async ({ page }) => {
  await signUp(page, newUser());
  for (const url of ["/admin/models", "/admin/models/new", "/admin/users"]) {
    const response = await page.goto(url);
    expect(response?.status(), url).toBe(403);
    await expect(page.getByRole("alert")).toContainText("administrators");
  }
  const upload = await page.request.post("/api/admin/uploads");
  expect(upload.status()).toBe(403);
  expect(await upload.json()).toEqual({ error: "This is for administrators.", code: "FORBIDDEN" });
  const action = await page.request.post("/admin/models", { form: { intent: "delete", modelId: "tiny-llama" } });
  expect(action.status()).toBe(403);
  const quota = await page.request.post("/admin/users", {
    form: { intent: "set-default-quota", dailyRequests: "", dailyTokens: "" },
  });
  expect(quota.status()).toBe(403);
});

test("a user over the daily quota gets 429 naming when it resets; an override lifts it", async ({
  page,
  browser,
  loom,
}) => {
  const user = newUser();
  const userContext = await browser.newContext({ baseURL: loom.server.baseUrl });
  const userPage = await userContext.newPage();
  await signUp(userPage, user);
  const generate = () => userPage.request.post("/api/code", { data: { code: "x = 1", language: "python" } });

  await signIn(page, E2E_ADMIN);
  await expect(page).toHaveURL("/");
  await page.goto("/admin/users");
  const saveDefaults = async (requests: string) => {
    await page.getByLabel("Requests per day").fill(requests);
    await page.getByLabel("Generated tokens per day").fill("");
    await page.getByRole("button", { name: "Save default limits" }).click();
  };
  try {
    await saveDefaults("0");
    await expect(page.getByRole("status")).toContainText("Default limits saved: 0 requests and unlimited tokens");

    const refused = await generate();
    expect(refused.status()).toBe(429);
    expect((await refused.json()).error).toMatch(
      /^Daily limit of 0 requests reached; it resets at \d{4}-\d\d-\d\d 00:00 UTC\.$/,
    );
    expect(Number(refused.headers()["retry-after"])).toBeGreaterThan(0);

    // The user's row shows them at the limit; their own (unlimited) limits lift it for them alone.
    const row = page.getByRole("row").filter({ hasText: user.email });
    await expect(row).toContainText("0 / 0 requests");
    await row.getByRole("button", { name: "Set own limits" }).click();
    await row.getByLabel("Requests/day").fill("");
    await row.getByRole("button", { name: "Save" }).click();
    await expect(page.getByRole("status")).toContainText(`${user.email} now has their own limits: unlimited requests`);
    expect((await generate()).status()).not.toBe(429);
    await row.getByRole("button", { name: "Use default" }).click();
    await expect(page.getByRole("status")).toContainText(`${user.email} is back on the default limits.`);
    expect((await generate()).status()).toBe(429);
  } finally {
    // Leave the server as it was: no default limits.
    await page.goto("/admin/users");
    await saveDefaults("");
    await expect(page.getByRole("status")).toContainText(
      "Default limits saved: unlimited requests and unlimited tokens",
    );
    expect((await generate()).status()).not.toBe(429);
    await userContext.close();
  }
});
