// Start-up and periodic recovery: generations left "running" by a process that died (or that
// lost its database for too long) are ended. What was said is kept: the answer's text is rebuilt
// from its event log when the message was never saved, and the finish event goes after the
// highest stored sequence — `last_seq` may lag it when the crash fell between the events insert
// and the `last_seq` update. Running it twice, or on two instances at once, changes nothing more.
import { and, asc, eq, lt, sql } from "drizzle-orm";
import type { Db } from "../../db/client";
import { generationEvents, generations, messages, runs } from "../../db/schema";
import type { Logger } from "../logger";
import type { FinalStatus } from "./generation-log";
import { describeWriteError } from "./write-faults";

export const INTERRUPTED_MESSAGE = "The server stopped while this answer was being written.";

const FINAL_STATUSES: readonly string[] = ["completed", "stopped", "failed", "interrupted"];

/**
 * Ends the generations still "running" whose heartbeat is older than `staleAfterMs`, except
 * `exceptIds` (the ones this process runs). Returns the ids it ended. One that cannot be ended
 * is logged and left for the next sweep: it never stops the others, or start-up.
 */
export async function recoverStaleGenerations(
  db: Db,
  options: { staleAfterMs: number; exceptIds?: readonly string[]; logger?: Pick<Logger, "warn"> },
): Promise<string[]> {
  const cutoff = new Date(Date.now() - options.staleAfterMs);
  const stale = await db
    .select({ id: generations.id })
    .from(generations)
    .where(and(eq(generations.status, "running"), lt(generations.heartbeatAt, cutoff)));
  const recovered: string[] = [];
  for (const { id } of stale) {
    if (options.exceptIds?.includes(id)) continue;
    try {
      if (await recoverOne(db, id, cutoff)) recovered.push(id);
    } catch (error) {
      options.logger?.warn("could not recover an interrupted generation", {
        generationId: id,
        error: describeWriteError(error),
      });
    }
  }
  return recovered;
}

async function recoverOne(db: Db, generationId: string, cutoff: Date): Promise<boolean> {
  return db.transaction(async (tx) => {
    // Locked and checked again: another instance may be recovering it, or its writer came back.
    const [generation] = await tx
      .select({ messageId: generations.messageId })
      .from(generations)
      .where(
        and(eq(generations.id, generationId), eq(generations.status, "running"), lt(generations.heartbeatAt, cutoff)),
      )
      .for("update");
    if (!generation) return false;
    const events = await tx
      .select({ seq: generationEvents.seq, type: generationEvents.type, data: generationEvents.data })
      .from(generationEvents)
      .where(eq(generationEvents.generationId, generationId))
      .orderBy(asc(generationEvents.seq));

    // A finish event already stored (the crash fell before the status update) says how it ended.
    const last = events.at(-1);
    const finished = last?.type === "finish" ? finishOf(last.data) : undefined;
    const status: FinalStatus = finished?.status ?? "interrupted";
    const maxSeq = last?.seq ?? 0;
    if (!finished) {
      await tx
        .insert(generationEvents)
        .values({ generationId, seq: maxSeq + 1, type: "finish", data: { status: "interrupted" } });
    }
    await tx
      .update(generations)
      .set({
        status,
        error: finished ? (finished.error ?? null) : INTERRUPTED_MESSAGE,
        lastSeq: finished ? maxSeq : maxSeq + 1,
        finishedAt: new Date(),
      })
      .where(eq(generations.id, generationId));

    const deltas = events.flatMap((e) => (e.type === "text" ? [deltaOf(e.data)] : []));
    const text = deltas.join("");
    // Only a message that was never saved is rebuilt: a saved one holds the writer's own text.
    if (text) {
      await tx
        .update(messages)
        .set({ parts: [{ type: "text", text }], completionTokens: deltas.length })
        .where(and(eq(messages.id, generation.messageId), sql`${messages.parts} = '[]'::jsonb`));
    }
    await tx
      .update(runs)
      .set({ status, completionTokens: deltas.length, error: finished ? null : INTERRUPTED_MESSAGE })
      .where(and(eq(runs.messageId, generation.messageId), eq(runs.status, "running")));
    return true;
  });
}

function finishOf(data: unknown): { status: FinalStatus; error?: string } | undefined {
  const { status, error } = (data ?? {}) as { status?: unknown; error?: unknown };
  if (typeof status !== "string" || !FINAL_STATUSES.includes(status)) return undefined;
  return { status: status as FinalStatus, ...(typeof error === "string" && { error }) };
}

function deltaOf(data: unknown): string {
  const { delta } = (data ?? {}) as { delta?: unknown };
  return typeof delta === "string" ? delta : "";
}
