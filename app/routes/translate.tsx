import { readFile } from "node:fs/promises";
import path from "node:path";
import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { useLoaderData } from "@remix-run/react";
import { ArrowLeftRight } from "lucide-react";
import { useState } from "react";
import { INPUT_LIMITS } from "../../server/apps/limits";
import { describeRemoteModel } from "../../server/apps/model-description";
import { languageOffer, nameIn, type LanguageOffer } from "../../server/apps/translate-offer";
import { APP_INFO } from "~/apps";
import { loadAppPage } from "~/app-loader.server";
import { AppPage } from "~/components/app-page";
import { ErrorBanner, LimitedTextArea, ResultPanel, RunOrStop, RunStats, AppForm } from "~/components/one-shot";
import { Alert, Button, CopyButton, Kbd, Select } from "~/components/ui";
import { useFinePointer } from "~/hooks/use-fine-pointer";
import { useHydrated, useModKeyLabel } from "~/hooks/use-hydrated";
import { useSelectedModel } from "~/hooks/use-selected-model";
import { useOneShotStream } from "~/hooks/use-one-shot-stream";

export const meta: MetaFunction = () => [{ title: "Translate · Loom" }];

/** The assigned models, each with the languages and pairs its config.json (or remote row) declares. */
export async function loader({ request, context }: LoaderFunctionArgs) {
  const page = await loadAppPage(request, context, "translate");
  const entries = await Promise.all(
    page.models.map(async (m): Promise<[string, LanguageOffer]> => {
      try {
        // A remote engine declares its languages on its row (Admin › Models › Add remote engine).
        const row = await context.services.registry.getModel(m.id);
        if (row?.remote) return [m.id, describeRemoteModel(row, row.remote).languages];
        const file = path.join(context.services.registry.folderOf(m.id), "config.json");
        const config = JSON.parse(await readFile(file, "utf8")) as Record<string, unknown>;
        return [m.id, languageOffer(config, path.basename(context.services.registry.folderOf(m.id)))];
      } catch {
        return [m.id, { languages: {}, pairs: [] }];
      }
    }),
  );
  return { ...page, offers: Object.fromEntries(entries) as Record<string, LanguageOffer> };
}

const LIMIT = INPUT_LIMITS.translateText;
const LIMIT_MESSAGE = `Texts are limited to ${LIMIT.toLocaleString("en")} characters.`;
const AUTO = "auto";

const EMPTY_OFFER: LanguageOffer = { languages: {}, pairs: [] };

/** Sources a model translates from, and the targets valid for a source ("auto": any target). */
function sourcesOf(offer: LanguageOffer) {
  return [...new Set(offer.pairs.map(([a]) => a))];
}
function targetsOf(offer: LanguageOffer, source: string) {
  const pairs = source === AUTO ? offer.pairs : offer.pairs.filter(([a]) => a === source);
  return [...new Set(pairs.map(([, b]) => b))];
}

export default function Translate() {
  const { models, isAdmin, offers } = useLoaderData<typeof loader>();
  const modelId = useSelectedModel(models);
  const hydrated = useHydrated();
  const offer = (modelId && offers[modelId]) || EMPTY_OFFER;
  const task = useOneShotStream("/api/translate");
  const mod = useModKeyLabel();
  // Key hints only where there is a keyboard to press them on (as the chat composer).
  const keyboard = useFinePointer();
  const [text, setText] = useState("");
  const [sourceChoice, setSource] = useState(AUTO);
  const [targetChoice, setTarget] = useState<string>();

  const name = (code: string) => nameIn(offer, code);
  const sources = sourcesOf(offer);
  // A choice the current model cannot serve falls back to the first it can.
  const source = sourceChoice === AUTO || sources.includes(sourceChoice) ? sourceChoice : AUTO;
  const targets = targetsOf(offer, source);
  const target = targetChoice && targets.includes(targetChoice) ? targetChoice : targets[0];

  const detected = task.metadata?.detectedSource;
  // The detector was unsure: the page asks for the source language instead of guessing.
  const askSource = task.errorCode === "LANGUAGE_UNSURE" && source === AUTO;
  const noModel = models.length === 0;
  const noLanguages = !noModel && offer.pairs.length === 0;
  const tooLong = text.length > LIMIT;
  const canRun = !noModel && !noLanguages && !!target && !tooLong && text.trim().length > 0 && !task.busy;

  // Swapping needs a concrete source (the detected one stands in for "auto") and the reverse pair.
  const swapFrom = source === AUTO ? detected : source;
  const canSwap = !!swapFrom && !!target && offer.pairs.some(([a, b]) => a === target && b === swapFrom);

  function run() {
    if (!canRun) return;
    void task.run({ text, source, target, modelId });
  }

  function swap() {
    if (!canSwap || !target || !swapFrom) return;
    setSource(target);
    setTarget(swapFrom);
    if (task.text && !task.busy) {
      setText(task.text);
      task.reset();
    }
  }

  return (
    <AppPage app={APP_INFO.translate} models={models} isAdmin={isAdmin}>
      {noLanguages && (
        <div className="mb-4">
          <Alert tone="info">
            This model declares no languages to translate between (config.json <code>loom.languages</code> and{" "}
            <code>loom.translation_pairs</code>). Choose another model
            {isAdmin ? " or assign one in Admin › Models" : ""}.
          </Alert>
        </div>
      )}
      <AppForm onRun={run} hydrated={hydrated} className="space-y-4">
        <div className="flex flex-wrap items-end gap-2 sm:flex-nowrap">
          <div className="min-w-0 flex-1">
            <Select
              label="From"
              name="source"
              value={source}
              onChange={(e) => {
                setSource(e.target.value);
                if (askSource) task.reset();
              }}
              disabled={noModel || noLanguages}
              aria-invalid={askSource || undefined}
              className={askSource ? "border-amber-500 ring-2 ring-amber-500/40" : undefined}
              options={[
                { value: AUTO, label: "Detect language" },
                ...sources.map((code) => ({ value: code, label: name(code) })),
              ]}
            />
          </div>
          <Button
            type="button"
            variant="secondary"
            onClick={swap}
            disabled={!canSwap}
            aria-label="Swap languages"
            title={canSwap ? "Swap languages" : "This model cannot translate the other way round"}
            className="mb-px h-[38px] px-3"
          >
            <ArrowLeftRight aria-hidden="true" className="size-4" />
          </Button>
          <div className="min-w-0 flex-1">
            <Select
              label="To"
              name="target"
              value={target ?? ""}
              onChange={(e) => setTarget(e.target.value)}
              disabled={noModel || noLanguages}
              options={targets.map((code) => ({ value: code, label: name(code) }))}
            />
          </div>
        </div>

        <div className="grid gap-4 lg:grid-cols-2">
          <div className="min-w-0">
            <LimitedTextArea
              label="Text to translate"
              name="text"
              value={text}
              onValueChange={setText}
              limit={LIMIT}
              limitMessage={LIMIT_MESSAGE}
              disabled={noModel || noLanguages}
              placeholder="Type or paste text…"
              lang={source === AUTO ? undefined : source}
              hint={
                keyboard && (
                  <>
                    <Kbd>{mod}</Kbd>+<Kbd>Enter</Kbd> translates
                  </>
                )
              }
            />
            <div className="mt-3 flex flex-wrap gap-2">
              <RunOrStop busy={task.busy} label="Translate" disabled={!canRun} onStop={() => void task.stop()} />
              {(text || task.text) && !task.busy && (
                <Button
                  type="button"
                  variant="secondary"
                  onClick={() => {
                    setText("");
                    task.reset();
                  }}
                >
                  Clear
                </Button>
              )}
            </div>
          </div>

          <div className="min-w-0 space-y-3 lg:pt-6">
            {task.errorMessage && (
              <ErrorBanner message={task.errorMessage} onRetry={task.canRetry ? () => void task.retry() : undefined} />
            )}
            <ResultPanel
              title={target ? `Translation (${name(target)})` : "Translation"}
              busy={task.busy}
              actions={task.text && !task.busy ? <CopyButton text={task.text} label="Copy translation" /> : null}
              footer={
                task.metadata || detected || task.stopped ? (
                  <div className="space-y-1">
                    {detected && (
                      <p className="text-xs text-slate-600 dark:text-slate-300" role="status">
                        Detected: {name(detected)}
                      </p>
                    )}
                    <RunStats metadata={task.metadata} busy={task.busy} stopped={task.stopped} />
                  </div>
                ) : undefined
              }
            >
              <div aria-live="polite" data-testid="translation" lang={target} className="min-h-32">
                {task.text ? (
                  <p className="text-base leading-relaxed break-words whitespace-pre-wrap">{task.text}</p>
                ) : (
                  <p className="text-sm text-slate-500 dark:text-slate-400">
                    {task.busy
                      ? "Translating…"
                      : task.stopped
                        ? "Stopped before any text was written."
                        : task.metadata
                          ? "The model returned no text."
                          : "The translation appears here."}
                  </p>
                )}
              </div>
            </ResultPanel>
          </div>
        </div>
      </AppForm>
    </AppPage>
  );
}
