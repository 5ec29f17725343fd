// Sizes as people read them, on the server (error messages) and in the browser (admin pages) alike.
// Binary units, because upload limits are set in them (LOOM_MAX_UPLOAD_BYTES defaults to 20 GiB).

const UNITS = ["KiB", "MiB", "GiB", "TiB"] as const;

/** 300 → "300 bytes", 1536 → "1.5 KiB", 21474836480 → "20 GiB" (at most two decimals, none trailing). */
export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} bytes`;
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < UNITS.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${+value.toFixed(2)} ${UNITS[unit]}`;
}
