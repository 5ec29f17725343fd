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
    /**
     * Aborts when the client goes away before the response is complete. Use it, not
     * `request.signal`, which Remix 2 on undici can lose to garbage collection (server/http/client-gone.ts).
     */
    clientGone: AbortSignal;
  }
}
