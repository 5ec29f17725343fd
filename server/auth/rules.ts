// Account rules and errors shared by the auth service and the Remix routes. No database here:
// routes import this into the browser-safe bundle.
import { z } from "zod";

export const emailSchema = z
  .string()
  .trim()
  .toLowerCase()
  .max(254, "Email is too long.")
  .pipe(z.email({ error: "Enter a valid email address." }));
export const passwordSchema = z
  .string()
  .min(10, "Password must have at least 10 characters.")
  .max(200, "Password must have at most 200 characters.");
export const nameSchema = z.string().trim().min(1, "Enter your name.").max(80, "Name is too long.");

export class AuthError extends Error {
  constructor(
    readonly code: "email_taken" | "invalid_credentials" | "throttled" | "disabled",
    message: string,
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
    this.name = "AuthError";
  }
}

/**
 * The Remix server bundle carries its own copy of this module, so `instanceof` across the
 * bundle boundary fails: recognise the error by its shape.
 */
export function isAuthError(error: unknown): error is AuthError {
  return error instanceof Error && error.name === "AuthError" && "code" in error;
}
