import type { Page } from "@playwright/test";
import { newUser, signUp } from "./accounts";

export async function openChat(page: Page, baseUrl = "") {
  await signUp(page, newUser(), baseUrl);
  await page.goto(`${baseUrl}/chat`);
}

export const answers = (page: Page) => page.getByRole("article", { name: "Assistant message" });

export async function send(page: Page, text: string) {
  await page.getByLabel("Message", { exact: true }).fill(text);
  await page.getByRole("button", { name: "Send" }).click();
}
