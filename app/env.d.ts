import type { AppServices } from "../server/services";

declare module "@remix-run/node" {
  interface Future {
    v3_singleFetch: true;
  }
  interface AppLoadContext {
    services: AppServices;
    /** The client address as Express sees it (trust proxy aware), for throttling. */
    clientAddress: string;
  }
}
