import { formatCount } from "~/components/ui";
import type { RunMetadata } from "../../../server/generation/run-metadata";

/** Tokens in/out, time to first token, speed and the model, under a result. */
export function RunStats({
  metadata,
  busy,
  stopped,
}: {
  metadata: RunMetadata | undefined;
  busy?: boolean;
  stopped?: boolean;
}) {
  if (!metadata && !stopped) return null;
  metadata ??= {};
  const items: string[] = [];
  if (metadata.promptTokens != null) items.push(`${formatCount(metadata.promptTokens)} tokens in`);
  if (metadata.completionTokens != null) items.push(`${formatCount(metadata.completionTokens)} out`);
  if (metadata.timeToFirstTokenMs != null) items.push(`first token ${formatCount(metadata.timeToFirstTokenMs)} ms`);
  if (metadata.tokensPerSecond != null) items.push(`${metadata.tokensPerSecond} tokens/s`);
  if (metadata.durationMs != null) items.push(`${(metadata.durationMs / 1000).toFixed(1)} s in all`);
  if (stopped || metadata.status === "stopped") items.push("stopped");
  if (busy && items.length === 0) items.push("generating…");
  return (
    <p className="text-xs text-slate-500 dark:text-slate-400" aria-label="Run statistics">
      {metadata.modelName && (
        <span className="font-medium text-slate-600 dark:text-slate-300" title="Model that answered">
          {metadata.modelName}
        </span>
      )}
      {items.length > 0 && (metadata.modelName ? " · " : "") + items.join(" · ")}
    </p>
  );
}
