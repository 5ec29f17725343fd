// A conversation as a download: the visible branch (root → the leaf on screen) or the whole tree,
// every edit and regenerated answer included, nested under the message it answers.
import type { MessageRow } from "./chat-store";
import { childrenOf, type TreeNode } from "./message-tree";

export type ExportScope = "branch" | "tree";

export interface ExportedMessage {
  id: string;
  parentId: string | null;
  role: string;
  parts: unknown;
  modelId: string | null;
  createdAt: Date;
}

export interface ExportedNode extends ExportedMessage {
  /** Whether this message is on the branch shown on screen. */
  visible: boolean;
  children: ExportedNode[];
}

const exported = (m: MessageRow): ExportedMessage => ({
  id: m.id,
  parentId: m.parentId,
  role: m.role,
  parts: m.parts,
  modelId: m.modelId,
  createdAt: m.createdAt,
});

/** The tree under its roots, siblings in the order given (oldest first as the store loads them). */
export function nestMessages<T extends TreeNode>(
  all: readonly T[],
  visit: (message: T, children: ExportedNode[]) => ExportedNode,
): ExportedNode[] {
  const walk = (parentId: string | null, seen: Set<string>): ExportedNode[] =>
    childrenOf(all, parentId)
      .filter((m) => !seen.has(m.id))
      .map((m) => visit(m, walk(m.id, new Set(seen).add(m.id))));
  return walk(null, new Set());
}

/** The JSON document of an export: the branch as a list, or the tree as nested nodes. */
export function conversationJson(
  chat: { id: string; title: string },
  scope: ExportScope,
  branch: readonly MessageRow[],
  all: readonly MessageRow[],
  exportedAt = new Date(),
) {
  const head = { id: chat.id, title: chat.title, exportedAt: exportedAt.toISOString(), scope };
  if (scope === "branch") return { ...head, messages: branch.map(exported) };
  const onScreen = new Set(branch.map((m) => m.id));
  const tree = nestMessages(all, (m, children) => ({ ...exported(m), visible: onScreen.has(m.id), children }));
  return { ...head, messageCount: all.length, tree };
}
