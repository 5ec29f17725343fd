// The text of a message: its text parts, in order, joined as they are. Other parts (reasoning,
// files, tools, data) are not text the user wrote or the model answered. Loom's models read and
// write text only. Shared by the server (prompts, exports) and the browser (edit, copy).

export function textOf(parts: readonly unknown[]): string {
  return parts.map((part) => (isTextPart(part) ? part.text : "")).join("");
}

function isTextPart(part: unknown): part is { type: "text"; text: string } {
  if (typeof part !== "object" || part === null) return false;
  const { type, text } = part as { type?: unknown; text?: unknown };
  return type === "text" && typeof text === "string";
}
