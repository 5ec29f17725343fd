import type { Page } from "@playwright/test";

export const E2E_ADMIN = { email: "admin@loom.test", password: "e2e-admin-password" };

/** A fresh account per call: tests never depend on each other's users. */
export function newUser() {
  const id = `${Date.now()}-${Math.random().toString(36).slice(2, 8)}`;
  return { name: `Tester ${id}`, email: `user-${id}@loom.test`, password: "e2e-user-password" };
}

export async function signUp(page: Page, user: ReturnType<typeof newUser>, baseUrl = "") {
  await page.goto(`${baseUrl}/signup`);
  await page.getByLabel("Name").fill(user.name);
  await page.getByLabel("Email").fill(user.email);
  await page.getByLabel("Password").fill(user.password);
  await page.getByRole("button", { name: "Sign up" }).click();
  await page.waitForURL(`${baseUrl}/`);
}

export async function signIn(page: Page, account: { email: string; password: string }) {
  await page.goto("/login");
  await page.getByLabel("Email").fill(account.email);
  await page.getByLabel("Password").fill(account.password);
  await page.getByRole("button", { name: "Sign in" }).click();
}
