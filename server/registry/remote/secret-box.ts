// Remote engines' API keys at rest: AES-256-GCM under a key derived from LOOM_SECRET_KEY (or the
// secret generated in the data dir: server/config.ts). The model id is the additional data, so a
// sealed key copied onto another row does not open. Format: "v1." + base64url(iv | tag | data).
import { createCipheriv, createDecipheriv, createHash, randomBytes } from "node:crypto";

const VERSION = "v1.";

export function createSecretBox(secret: string) {
  const key = createHash("sha256").update(`loom-secret-box:${secret}`).digest();
  return {
    seal(plaintext: string, context: string): string {
      const iv = randomBytes(12);
      const cipher = createCipheriv("aes-256-gcm", key, iv);
      cipher.setAAD(Buffer.from(context));
      const data = Buffer.concat([cipher.update(plaintext, "utf8"), cipher.final()]);
      return VERSION + Buffer.concat([iv, cipher.getAuthTag(), data]).toString("base64url");
    },
    /** Throws when the secret key changed or the value was altered. */
    open(sealed: string, context: string): string {
      if (!sealed.startsWith(VERSION)) throw new Error("not a sealed value");
      const raw = Buffer.from(sealed.slice(VERSION.length), "base64url");
      const decipher = createDecipheriv("aes-256-gcm", key, raw.subarray(0, 12));
      decipher.setAAD(Buffer.from(context));
      decipher.setAuthTag(raw.subarray(12, 28));
      return Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString("utf8");
    },
  };
}

export type SecretBox = ReturnType<typeof createSecretBox>;
