// The nonce of this page's inline scripts (server/http/content-security-policy.ts makes it per
// response). Given by app/entry.server.tsx while rendering; in the browser there is none to give.
import { createContext, useContext } from "react";

export const CspNonce = createContext<string | undefined>(undefined);

export function useCspNonce() {
  return useContext(CspNonce);
}
