import { redirect, type ActionFunctionArgs } from "@remix-run/node";
import { endUserSession } from "~/session.server";

export const action = ({ request, context }: ActionFunctionArgs) => endUserSession(request, context);

// Signing out changes state, so it is a POST only; a GET (a prefetch, a pasted link) does nothing.
export const loader = () => redirect("/");
