// A remote engine's settings when the admin gives none. Pure data: the admin page imports it.
export const REMOTE_DEFAULTS = { timeoutMs: 120_000, maxConcurrent: 8, contextTokens: 8192 } as const;
