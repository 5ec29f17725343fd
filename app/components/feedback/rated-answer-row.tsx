// One rated answer on Admin › Feedback: rating, model, app, date, the question and the answer, and
// the whole conversation behind a disclosure.
import { CellLabel, formatUtc, responsiveTable as t } from "~/components/ui";

export interface RatedAnswerView {
  messageId: string;
  rating: 1 | -1;
  modelId: string;
  app: string;
  ratedAt: string;
  conversation: { role: string; content: string }[];
}

export function RatedAnswerRow({ answer }: { answer: RatedAnswerView }) {
  const reply = answer.conversation.at(-1)?.content ?? "";
  const question = answer.conversation.findLast((turn) => turn.role === "user")?.content ?? "";
  return (
    <tr className={t.row} data-testid="rated-answer">
      <td className={t.cell}>
        <CellLabel>Rating</CellLabel>
        <span aria-label={answer.rating === 1 ? "Rated good" : "Rated bad"}>{answer.rating === 1 ? "👍" : "👎"}</span>
      </td>
      <td className={t.cell}>
        <CellLabel>Model</CellLabel>
        <code className="font-mono text-xs">{answer.modelId}</code>
      </td>
      <td className={t.cell}>
        <CellLabel>App</CellLabel>
        {answer.app}
      </td>
      <td className={`${t.cell} whitespace-nowrap`}>
        <CellLabel>Rated</CellLabel>
        {formatUtc(answer.ratedAt)}
      </td>
      <td className={`${t.cell} max-w-xl`}>
        <CellLabel>Question and answer</CellLabel>
        <p className="line-clamp-2 font-medium break-words">{question}</p>
        <p className="mt-1 line-clamp-3 break-words text-slate-600 dark:text-slate-400">{reply}</p>
        <details className="mt-2">
          <summary className="cursor-pointer text-xs text-brand-600 dark:text-brand-500">
            Conversation ({answer.conversation.length} messages)
          </summary>
          <ol className="mt-2 space-y-2">
            {answer.conversation.map((turn, i) => (
              <li key={i} className="rounded border border-slate-200 p-2 dark:border-slate-800">
                <span className="text-xs font-medium tracking-wide text-slate-500 uppercase">{turn.role}</span>
                <p className="break-words whitespace-pre-wrap">{turn.content}</p>
              </li>
            ))}
          </ol>
        </details>
      </td>
    </tr>
  );
}
