// Account rules and errors shared by the auth service and the Remix routes. No database here:
// routes import this into the browser-safe bundle.
import { z } from "zod";
import { cleanText } from "../common/user-text";
import { isPublicError, PublicError } from "../http-error";

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
export const nameSchema = cleanText("Name").trim().min(1, "Enter your name.").max(80, "Name is too long.");

export type AuthErrorCode = "EMAIL_TAKEN" | "INVALID_CREDENTIALS" | "THROTTLED" | "DISABLED";

const HTTP_STATUS: Record<AuthErrorCode, number> = {
  EMAIL_TAKEN: 409,
  INVALID_CREDENTIALS: 401,
  THROTTLED: 429,
  DISABLED: 403,
};

export class AuthError extends PublicError<AuthErrorCode> {
  constructor(code: AuthErrorCode, message: string, retryAfterSeconds?: number) {
    super(code, HTTP_STATUS[code], message, retryAfterSeconds);
  }
}

/** Recognised by the error protocol's brand, so it works across the Remix bundle boundary. */
export function isAuthError(error: unknown): error is AuthError {
  return isPublicError(error) && error.code in HTTP_STATUS;
}

/** Sign-up with an address that already has an account: the form shows it on the email field. */
export function isEmailTaken(error: unknown): error is AuthError {
  return isAuthError(error) && error.code === "EMAIL_TAKEN";
}
