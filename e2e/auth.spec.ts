import { expect, test } from "@playwright/test";
import { APP_LIST } from "../app/apps";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { E2E_ADMIN, newUser, signIn, signUp } from "./accounts";
import { startServer } from "./server";

test("a visitor signs up, visits every application, and signs out", async ({ page }) => {
  const user = newUser();
  await signUp(page, user);
  await expect(page.getByRole("heading", { name: "Welcome to Loom" })).toBeVisible();

  const nav = page.getByRole("navigation", { name: "Applications" });
  await expect(nav.getByRole("link", { name: "Admin", exact: true })).toHaveCount(0);
  for (const app of APP_LIST) {
    await nav.getByRole("link", { name: app.title, exact: true }).click();
    await expect(page).toHaveURL(app.path);
    await expect(page.getByRole("heading", { level: 1, name: app.title })).toBeVisible();
  }

  await page.getByRole("button", { name: "Sign out" }).click();
  await expect(page).toHaveURL(/\/login/);
  await page.goto("/chat");
  await expect(page).toHaveURL(/\/login\?redirectTo=%2Fchat/);
});

test("sign-in with a wrong password is refused, then the right one returns to the asked page", async ({ page }) => {
  const user = newUser();
  await signUp(page, user);
  await page.getByRole("button", { name: "Sign out" }).click();
  await expect(page).toHaveURL(/\/login/);

  await signIn(page, { email: user.email, password: "not-the-password" });
  await expect(page.getByRole("alert")).toContainText("Email or password is incorrect");

  await page.goto("/translate");
  await expect(page).toHaveURL(/redirectTo=%2Ftranslate/);
  await page.getByLabel("Email").fill(user.email);
  await page.getByLabel("Password").fill(user.password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page).toHaveURL("/translate");
});

test("sign-up errors are shown next to their fields", async ({ page }) => {
  await page.goto("/signup");
  await page.getByLabel("Name").fill("Shorty");
  await page.getByLabel("Email").fill("not-an-email");
  await page.getByLabel("Password").fill("short");
  await page.getByRole("button", { name: "Sign up" }).click();
  await expect(page.getByText("Enter a valid email address.")).toBeVisible();
  await expect(page.getByText("Password must have at least 10 characters.")).toBeVisible();
});

test("a non-admin is refused the admin area, in pages and in requests", async ({ page }) => {
  await signUp(page, newUser());
  for (const path of ["/admin", "/admin/models", "/admin/users"]) {
    const response = await page.goto(path);
    expect(response?.status(), path).toBe(403);
    await expect(page.getByRole("alert")).toContainText("administrators");
  }
  // The action refuses too, not only the page.
  const post = await page.request.post("/admin/users", {
    form: { intent: "set-role", userId: "00000000-0000-0000-0000-000000000000", role: "admin" },
  });
  expect(post.status()).toBe(403);
});

test("signed out, an admin page sends the visitor to sign in and back; admin APIs answer 401 JSON", async ({
  page,
  request,
}) => {
  const first = await request.get("/admin/users?page=2", { maxRedirects: 0 });
  expect(first.status()).toBe(302);
  expect(first.headers()["location"]).toBe("/login?redirectTo=%2Fadmin%2Fusers%3Fpage%3D2");

  await page.goto("/admin/models");
  await expect(page).toHaveURL(/\/login\?redirectTo=%2Fadmin%2Fmodels$/);
  await page.getByLabel("Email").fill(E2E_ADMIN.email);
  await page.getByLabel("Password").fill(E2E_ADMIN.password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page).toHaveURL("/admin/models");
  await expect(page.getByRole("navigation", { name: "Admin" })).toBeVisible();

  const api = await request.post("/api/admin/uploads", { data: {}, headers: { Origin: new URL(page.url()).origin } });
  expect(api.status()).toBe(401);
  expect(await api.json()).toMatchObject({ code: "UNAUTHENTICATED" });
});

test("sign-in never sends the visitor off the site", async ({ page }) => {
  await signUp(page, newUser());
  for (const to of ["//evil.example/", "https://evil.example/", "/\\evil.example", "/\t/evil.example"]) {
    await page.goto(`/login?redirectTo=${encodeURIComponent(to)}`);
    await expect(page, to).toHaveURL("/");
  }
});

test("an admin sees the admin area and can promote a user", async ({ page, browser }) => {
  const user = newUser();
  const userContext = await browser.newContext();
  await signUp(await userContext.newPage(), user);
  await userContext.close();

  await signIn(page, E2E_ADMIN);
  await page
    .getByRole("navigation", { name: "Applications" })
    .getByRole("link", { name: "Admin", exact: true })
    .click();
  await expect(page.getByRole("heading", { name: "Administration" })).toBeVisible();
  await page.getByRole("link", { name: "Users" }).click();
  const row = page.getByRole("row").filter({ hasText: user.email });
  await row.getByRole("button", { name: "Make admin" }).click();
  await expect(row.getByRole("button", { name: "Make user" })).toBeVisible();
});

test("unknown pages answer 404 with a plain message", async ({ page }) => {
  const response = await page.goto("/no/such/page");
  expect(response?.status()).toBe(404);
  await expect(page.getByRole("alert")).toContainText("There is no page at this address.");
});

test("a cross-site form post is refused", async ({ request }) => {
  const response = await request.post("/login", {
    form: { email: "a@b.c", password: "x" },
    headers: { Origin: "https://evil.example" },
  });
  expect(response.status()).toBe(403);
});

test("an oversize body is refused with 413", async ({ request }) => {
  const response = await request.post("/signup", {
    headers: { "Content-Type": "application/x-www-form-urlencoded" },
    data: "name=" + "x".repeat(2 * 1024 * 1024),
  });
  expect(response.status()).toBe(413);
});

test("with an empty model store every application says so instead of answering", async ({ page }) => {
  test.setTimeout(180_000);
  const emptyStore = mkdtempSync(path.join(tmpdir(), "loom-empty-models-"));
  // Its own embedded database too: a registry sync against an empty store would mark the shared
  // database's models as missing for the other specs.
  const server = await startServer({ LOOM_MODELS_DIR: emptyStore, DATABASE_URL: "" });
  try {
    await signUp(page, newUser(), server.baseUrl);
    for (const app of APP_LIST) {
      await page.goto(`${server.baseUrl}${app.path}`);
      await expect(page.getByRole("heading", { level: 1, name: app.title })).toBeVisible();
      await expect(
        page.getByRole("status").filter({ hasText: `No model is assigned to ${app.title} yet` }),
      ).toBeVisible();
    }
    const response = await page.request.post(`${server.baseUrl}/api/translate`, {
      data: { text: "Hello", source: "en", target: "de" },
    });
    expect(response.status()).toBe(503);
    expect((await response.json()).error).toBe("No model is assigned to Translate yet.");
  } finally {
    await server.stop();
    rmSync(emptyStore, { recursive: true, force: true });
  }
});

test("/healthz reports the database and the model registry", async ({ request }) => {
  const response = await request.get("/healthz");
  expect(response.status()).toBe(200);
  const health = await response.json();
  expect(health.status).toBe("ok");
  expect(health.database.ok).toBe(true);
  expect(["pglite", "postgres"]).toContain(health.database.driver);
  expect(health.registry).toHaveProperty("models");
  expect(JSON.stringify(health)).not.toMatch(/postgres:\/\//);
});
