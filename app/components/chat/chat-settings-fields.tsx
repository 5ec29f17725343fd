// The fields of chat settings, shared by a chat's settings panel and Settings › Chat: the same
// names, ranges and hints, so both forms submit what chatSettingsSchema reads.
import { useId } from "react";
import { CHAT_SETTINGS_LIMITS, type ChatSettings } from "../../../server/apps/chat-settings";
import { fieldClass, Label, TextField } from "~/components/ui";

const { systemPromptChars, temperature, topP, maxTokens } = CHAT_SETTINGS_LIMITS;

export function ChatSettingsFields({
  settings,
  maxTokensLimit,
}: {
  settings: ChatSettings;
  /** The model's answer limit when it lowered the stored max tokens: said under the field. */
  maxTokensLimit?: number;
}) {
  const promptId = useId();
  return (
    <div className="space-y-3">
      <div>
        <Label htmlFor={promptId}>System prompt</Label>
        <textarea
          id={promptId}
          name="systemPrompt"
          defaultValue={settings.systemPrompt}
          maxLength={systemPromptChars}
          rows={4}
          placeholder="Empty: the model's own"
          aria-describedby={`${promptId}-hint`}
          className={`${fieldClass()} mt-1`}
        />
        <p id={`${promptId}-hint`} className="mt-1 text-xs text-slate-500 dark:text-slate-400">
          Sent before every conversation; it counts against the model&apos;s context. Up to{" "}
          {systemPromptChars.toLocaleString("en")} characters.
        </p>
      </div>
      <div className="grid grid-cols-1 gap-3 sm:grid-cols-3">
        <TextField
          label="Temperature"
          name="temperature"
          type="number"
          inputMode="decimal"
          step="0.05"
          min={temperature.min}
          max={temperature.max}
          required
          defaultValue={settings.temperature}
          title={`${temperature.min}–${temperature.max}; 0 always picks the likeliest word`}
        />
        <TextField
          label="Top-p"
          name="topP"
          type="number"
          inputMode="decimal"
          step="0.01"
          min={topP.min}
          max={topP.max}
          required
          defaultValue={settings.topP}
          title={`${topP.min}–${topP.max}`}
        />
        <div>
          <TextField
            label="Max tokens"
            name="maxTokens"
            type="number"
            inputMode="numeric"
            step="1"
            min={maxTokens.min}
            max={maxTokens.max}
            required
            defaultValue={settings.maxTokens}
            title="The longest answer; the model's context may allow less"
          />
          {maxTokensLimit !== undefined && (
            // Said, not silent: the stored value (often Loom's default) was over this model's limit.
            <p data-testid="max-tokens-limit" className="mt-1 text-xs text-slate-500 dark:text-slate-400">
              {maxTokensLimit} (this model&apos;s limit)
            </p>
          )}
        </div>
      </div>
    </div>
  );
}
