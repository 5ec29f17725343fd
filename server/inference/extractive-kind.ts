// The model kind an extractive summariser folder declares (config.json `loom.kind`), read by
// model-folder.ts before the architectures: a sentence scorer's architecture name is Loom's own.

export const EXTRACTIVE_KIND = "extractive-summarizer";

export function declaresExtractiveSummarizer(config: Record<string, unknown>): boolean {
  const loom = config.loom;
  return typeof loom === "object" && loom !== null && (loom as { kind?: unknown }).kind === EXTRACTIVE_KIND;
}
