// Thumbs up / down on an answer (the chat route's "feedback" action); pressing the chosen one again clears it.
import { useFetcher } from "@remix-run/react";
import { ThumbsDown, ThumbsUp } from "lucide-react";

export function MessageRating({
  chatId,
  messageId,
  rating: saved,
}: {
  chatId: string;
  messageId: string;
  rating: number | undefined;
}) {
  const rate = useFetcher();
  // The rating being sent shows at once.
  const rating = rate.formData ? Number(rate.formData.get("rating")) : saved;
  return (
    <rate.Form method="post" action={`/chat/${chatId}`} className="flex gap-1">
      <input type="hidden" name="intent" value="feedback" />
      <input type="hidden" name="messageId" value={messageId} />
      <button
        type="submit"
        name="rating"
        value={rating === 1 ? "0" : "1"}
        aria-label="Good answer"
        aria-pressed={rating === 1}
        className={`rounded p-1 ${rating === 1 ? "bg-green-100 dark:bg-green-900" : ""}`}
      >
        <ThumbsUp aria-hidden="true" className="size-4" />
      </button>
      <button
        type="submit"
        name="rating"
        value={rating === -1 ? "0" : "-1"}
        aria-label="Bad answer"
        aria-pressed={rating === -1}
        className={`rounded p-1 ${rating === -1 ? "bg-red-100 dark:bg-red-900" : ""}`}
      >
        <ThumbsDown aria-hidden="true" className="size-4" />
      </button>
    </rate.Form>
  );
}
