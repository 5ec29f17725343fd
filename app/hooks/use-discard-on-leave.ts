// A temporary chat is deleted when its page is left for another page of Loom (the component
// unmounts). A reload or a closed tab does not unmount it: the chat stays until the server's sweep
// deletes it an hour after its last message, so a reload still resumes the answer (decision 028).
import { useEffect } from "react";

/**
 * Discards waiting for the next task: React's development mode unmounts and mounts again at once,
 * and the second mount cancels the first unmount's discard.
 */
const pending = new Map<string, ReturnType<typeof setTimeout>>();

export function useDiscardOnLeave(chatId: string, temporary: boolean) {
  useEffect(() => {
    if (!temporary) return;
    clearTimeout(pending.get(chatId));
    pending.delete(chatId);
    return () => {
      pending.set(
        chatId,
        setTimeout(() => {
          pending.delete(chatId);
          // keepalive: the request outlives the page should the user go on to leave Loom.
          void fetch(`/api/chat/${chatId}/discard`, { method: "POST", keepalive: true }).catch(() => {});
        }, 0),
      );
    };
  }, [chatId, temporary]);
}
