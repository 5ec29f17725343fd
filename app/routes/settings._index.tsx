// /settings opens its first page.
import { redirect } from "@remix-run/node";

export const loader = () => redirect("/settings/chat");
