// Admin › Models › Add remote engine: an OpenAI-compatible engine (vLLM, TGI, llama.cpp, Ollama,
// another Loom's /v1) as a registry model. Base URL and key → the remote's models → pick one →
// Test (a short generation: latency, tokens/s) → Save, then assign it like any model.
import { data, redirect, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { Form, Link, useActionData, useNavigation } from "@remix-run/react";
import { z } from "zod";
import { publicErrorOf } from "../../server/http-error";
import { listRemoteModels } from "../../server/registry/remote/list-remote-models";
import { splitLanguages } from "../../server/registry/remote/languages";
import { REMOTE_DEFAULTS } from "../../server/registry/remote/defaults";
import { Alert, Button, buttonClass, PageHeader, Select, TextField } from "~/components/ui";
import { parseForm } from "~/forms.server";
import { requireAdmin } from "~/session.server";

export const meta: MetaFunction = () => [{ title: "Add remote engine · Admin · Loom" }];

export async function loader({ request, context }: LoaderFunctionArgs) {
  await requireAdmin(request, context);
  return null;
}

const form = z.object({
  intent: z.enum(["list", "test", "save"]),
  baseUrl: z.string().trim().min(1, "Give the engine's base URL (…/v1).").max(2048),
  apiKey: z.string().max(4096).default(""),
  model: z.string().max(256).default(""),
  id: z.string().trim().max(128).default(""),
  name: z.string().trim().max(200).default(""),
  contextTokens: z.coerce.number().int().min(256).max(10_000_000).default(REMOTE_DEFAULTS.contextTokens),
  languages: z.string().trim().max(400).default(""),
});

type Result = {
  error?: string;
  models?: string[];
  test?: { latencyMs: number; tokens: number; tokensPerSecond?: number; text: string };
};

export async function action({ request, context }: ActionFunctionArgs) {
  const admin = await requireAdmin(request, context);
  const { values, errors } = await parseForm(request, form);
  if (!values) return data<Result>({ error: Object.values(errors ?? {})[0] }, { status: 400 });
  const { registry } = context.services;
  const apiKey = values.apiKey || undefined;
  try {
    const models = await listRemoteModels(values.baseUrl, apiKey);
    if (values.intent === "list") return data<Result>({ models });
    if (!values.model) return data<Result>({ models, error: "Pick the remote model." }, { status: 400 });
    const input = {
      id:
        values.id ||
        values.model
          .toLowerCase()
          .replace(/[^a-z0-9._-]+/g, "-")
          .slice(0, 128),
      displayName: values.name || undefined,
      baseUrl: values.baseUrl,
      model: values.model,
      apiKey,
      contextTokens: values.contextTokens,
      languages: splitLanguages(values.languages),
      uploadedBy: admin.id,
    };
    if (values.intent === "test") return data<Result>({ models, test: await registry.testRemote(input) });
    await registry.addRemote(input);
    return redirect("/admin/models");
  } catch (error) {
    const known = publicErrorOf(error);
    if (!known) throw error;
    return data<Result>({ error: known.message }, { status: known.status });
  }
}

export default function AddRemoteEngine() {
  const result = useActionData<typeof action>();
  const busy = useNavigation().state !== "idle";
  const models = result?.models;
  return (
    <div className="max-w-xl space-y-6">
      <PageHeader
        title="Add remote engine"
        description="Any OpenAI-compatible server: vLLM, TGI, llama.cpp's server, Ollama, or another Loom's /v1. Its API key is stored encrypted."
      />
      {result?.error && <Alert tone="error">{result.error}</Alert>}
      {result?.test && (
        <Alert tone="success">
          <span data-testid="remote-test">
            Answered in {result.test.latencyMs} ms (first token), {result.test.tokens} tokens
            {result.test.tokensPerSecond !== undefined && `, ${result.test.tokensPerSecond} tokens/s`}.
          </span>
        </Alert>
      )}
      <Form method="post" className="space-y-4">
        <TextField label="Base URL" name="baseUrl" required placeholder="http://gpu-host:8000/v1" />
        <TextField label="API key" name="apiKey" type="password" autoComplete="off" placeholder="optional" />
        {models && (
          <>
            {models.length === 0 ? (
              <Alert tone="info">The remote lists no models.</Alert>
            ) : (
              <Select label="Remote model" name="model" options={models.map((m) => ({ value: m, label: m }))} />
            )}
            <TextField label="Model id in Loom" name="id" placeholder="derived from the remote model's name" />
            <TextField label="Display name" name="name" placeholder="optional" />
            <TextField
              label="Context length (tokens)"
              name="contextTokens"
              type="number"
              defaultValue={REMOTE_DEFAULTS.contextTokens}
            />
            <p className="text-xs text-slate-500 dark:text-slate-400">
              Loom has no tokenizer for a remote model, so it counts a prompt conservatively (a token per byte of text):
              the apps fit their prompts to this context with room to spare.
            </p>
            <TextField label="Languages" name="languages" placeholder="en, zh, de (for Translate and Sentiment)" />
          </>
        )}
        <div className="flex gap-2">
          <Button type="submit" name="intent" value="list" variant={models ? "secondary" : "primary"} disabled={busy}>
            List models
          </Button>
          {models && models.length > 0 && (
            <>
              <Button type="submit" name="intent" value="test" variant="secondary" disabled={busy}>
                Test
              </Button>
              <Button type="submit" name="intent" value="save" disabled={busy}>
                Save
              </Button>
            </>
          )}
          <Link to="/admin/models" className={buttonClass("ghost")}>
            Cancel
          </Link>
        </div>
      </Form>
    </div>
  );
}
