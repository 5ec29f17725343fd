import type { AppServices } from "../server/services";

declare module "@remix-run/node" {
  interface Future {
    v3_singleFetch: true;
  }
  interface AppLoadContext {
    services: AppServices;
    /** The client address as Express sees it (trust proxy aware), for throttling. */
    clientAddress: string;
    /** This response's Content-Security-Policy nonce, for inline scripts (unset in development). */
    cspNonce?: string;
  }
}
