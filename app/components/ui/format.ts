// How numbers, durations and times read on every page (bytes: formatBytes in server/common/format).

/** 1234567 → "1.2 M"; small numbers as they are. */
export function formatCompact(n: number): string {
  if (n < 1000) return String(Math.round(n));
  const units = [
    [1e12, "T"],
    [1e9, "B"],
    [1e6, "M"],
    [1e3, "K"],
  ] as const;
  for (const [size, suffix] of units) {
    if (n >= size) {
      const v = n / size;
      return `${v >= 100 ? v.toFixed(0) : v.toFixed(1)} ${suffix}`;
    }
  }
  return String(n);
}

/** 1234567 → "1,234,567", the same in every locale. */
export const formatCount = (n: number) => n.toLocaleString("en");

export function formatMs(ms: number | null): string {
  if (ms === null || !Number.isFinite(ms)) return "—";
  return ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${Math.round(ms)} ms`;
}

export function formatRate(tokensPerSecond: number | null | undefined): string {
  if (tokensPerSecond == null || !Number.isFinite(tokensPerSecond)) return "—";
  return `${tokensPerSecond >= 100 ? tokensPerSecond.toFixed(0) : tokensPerSecond.toFixed(1)} tok/s`;
}

/** "2026-03-01 14:05 UTC": the same on the server and in every browser (no hydration mismatch). */
export function formatUtc(iso: string | Date): string {
  const d = typeof iso === "string" ? new Date(iso) : iso;
  return `${d.toISOString().slice(0, 16).replace("T", " ")} UTC`;
}
