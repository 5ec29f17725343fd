// A conversation is a tree of messages linked by `parentId`; these are the walks over it, as pure
// functions over the chat's messages (chat-store loads them, the walks need no database).
// Where an order matters it is the order of `messages` (chat-store loads them oldest first).

export interface TreeNode {
  id: string;
  parentId: string | null;
}

/** Root → `id`: the conversation a message belongs to. Empty when `id` is null or unknown. */
export function pathToRoot<T extends TreeNode>(messages: readonly T[], id: string | null): T[] {
  const byId = new Map(messages.map((m) => [m.id, m]));
  const path: T[] = [];
  const seen = new Set<string>();
  // A missing parent ends the walk (and so would a cycle, which the database cannot hold).
  let message = id ? byId.get(id) : undefined;
  while (message && !seen.has(message.id)) {
    seen.add(message.id);
    path.unshift(message);
    message = message.parentId ? byId.get(message.parentId) : undefined;
  }
  return path;
}

/** The messages directly under `parentId` (null: the roots). */
export function childrenOf<T extends TreeNode>(messages: readonly T[], parentId: string | null): T[] {
  return messages.filter((m) => m.parentId === parentId);
}

/** The message and its alternatives: every message under the same parent, itself included. */
export function siblingsOf<T extends TreeNode>(messages: readonly T[], message: TreeNode): T[] {
  return childrenOf(messages, message.parentId);
}

/** The leaf reached from `id` by always taking the newest child (the first of equals): a branch's tip. */
export function newestLeaf<T extends TreeNode & { createdAt: Date }>(messages: readonly T[], id: string): string {
  let leaf = id;
  for (;;) {
    const children = childrenOf(messages, leaf);
    if (children.length === 0) return leaf;
    leaf = children.reduce((a, b) => (a.createdAt >= b.createdAt ? a : b)).id;
  }
}
