// Users: roles and access, and daily quotas: the default limits everyone gets, per-user overrides,
// and what each user has used today (requests and generated tokens, counted from the runs table).
import { data, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { useLoaderData } from "@remix-run/react";
import { useId, useState } from "react";
import { z } from "zod";
import {
  Button,
  CellLabel,
  cx,
  fieldClass,
  formatCount,
  formatUtc,
  Label,
  NoticeBanner,
  NoticeProvider,
  PageHeader,
  responsiveTable as t,
} from "~/components/ui";
import { useAdminFetcher, type AdminActionResult } from "~/hooks/use-admin-fetcher";
import { parseForm } from "~/forms.server";
import { requireAdmin } from "~/session.server";

export const meta: MetaFunction = () => [{ title: "Users · Admin · Loom" }];

export async function loader({ request, context }: LoaderFunctionArgs) {
  const me = await requireAdmin(request, context);
  const { auth, quotas } = context.services;
  const [users, defaults, own, usage] = await Promise.all([
    auth.listUsers(),
    quotas.defaultQuota(),
    quotas.listUserQuotas(),
    quotas.usageTodayByUser(),
  ]);
  return {
    me: me.id,
    defaults,
    resetsAt: quotas.resetsAt().toISOString(),
    users: users.map((u) => ({
      ...u,
      createdAt: u.createdAt.toISOString(),
      quota: own.get(u.id) ?? null,
      usage: usage.get(u.id) ?? { requests: 0, tokens: 0 },
    })),
  };
}

type UserView = Awaited<ReturnType<typeof loader>>["users"][number];
type Limits = { dailyRequests: number | null; dailyTokens: number | null };

const MAX_LIMIT = 2_000_000_000;

/** A form field holding a daily limit: empty means unlimited. */
const limit = (label: string) =>
  z
    .string()
    .default("")
    .transform((s) => s.trim().replace(/[,_\s]/g, ""))
    .refine((s) => /^\d{0,10}$/.test(s), `${label}: enter a whole number, or leave it empty for no limit.`)
    .transform((s) => (s === "" ? null : Number(s)))
    .refine((n) => n === null || n <= MAX_LIMIT, `${label}: at most ${formatCount(MAX_LIMIT)}.`);

const limits = {
  dailyRequests: limit("Requests per day"),
  dailyTokens: limit("Generated tokens per day"),
};

const userAction = z.discriminatedUnion("intent", [
  z.object({ intent: z.literal("set-role"), userId: z.uuid(), role: z.enum(["admin", "user"]) }),
  z.object({ intent: z.literal("set-disabled"), userId: z.uuid(), disabled: z.enum(["true", "false"]) }),
  z.object({ intent: z.literal("set-default-quota"), ...limits }),
  z.object({ intent: z.literal("set-user-quota"), userId: z.uuid(), ...limits }),
  z.object({ intent: z.literal("clear-user-quota"), userId: z.uuid() }),
]);

const ok = (message?: string): AdminActionResult => ({ ok: true, message });
const refuse = (status: number, error: string) => data<AdminActionResult>({ ok: false, error }, { status });

const describeLimits = (q: Limits) =>
  `${q.dailyRequests === null ? "unlimited requests" : `${formatCount(q.dailyRequests)} requests`} and ${
    q.dailyTokens === null ? "unlimited tokens" : `${formatCount(q.dailyTokens)} tokens`
  } a day`;

export async function action({ request, context }: ActionFunctionArgs) {
  const me = await requireAdmin(request, context);
  const { values, errors } = await parseForm(request, userAction);
  if (!values) return refuse(400, Object.values(errors ?? {})[0] ?? "Invalid request.");
  const { auth, quotas } = context.services;

  if (values.intent === "set-default-quota") {
    const quota = { dailyRequests: values.dailyRequests, dailyTokens: values.dailyTokens };
    await quotas.setQuota(null, quota);
    return ok(`Default limits saved: ${describeLimits(quota)}.`);
  }

  const user = (await auth.listUsers()).find((u) => u.id === values.userId);
  if (!user) return refuse(404, "There is no such user.");
  switch (values.intent) {
    case "set-user-quota": {
      const quota = { dailyRequests: values.dailyRequests, dailyTokens: values.dailyTokens };
      await quotas.setQuota(user.id, quota);
      return ok(`${user.email} now has their own limits: ${describeLimits(quota)}.`);
    }
    case "clear-user-quota":
      await quotas.clearUserQuota(user.id);
      return ok(`${user.email} is back on the default limits.`);
  }
  // An admin cannot lock themself out: the instance would have nobody to manage it.
  if (user.id === me.id) return refuse(409, "You cannot change your own role or disable your own account.");
  if (values.intent === "set-role") {
    await auth.setRole(user.id, values.role);
    return ok(values.role === "admin" ? `${user.email} is now an administrator.` : `${user.email} is now a user.`);
  }
  await auth.setDisabled(user.id, values.disabled === "true");
  return ok(
    values.disabled === "true"
      ? `Disabled ${user.email}; their sessions have ended.`
      : `Enabled ${user.email}; they can sign in again.`,
  );
}

export default function AdminUsers() {
  return (
    <NoticeProvider>
      <UsersPage />
    </NoticeProvider>
  );
}

function UsersPage() {
  const { me, users, defaults, resetsAt } = useLoaderData<typeof loader>();
  return (
    <>
      <PageHeader title="Users" description="Roles, access and daily limits." />
      <NoticeBanner />
      <DefaultLimits defaults={defaults} resetsAt={resetsAt} />
      <h2 className="mt-8 mb-3 text-lg font-semibold">Accounts</h2>
      <table className={t.table}>
        <thead className={t.thead}>
          <tr className={t.headRow}>
            <th className={t.th}>User</th>
            <th className={t.th}>Role</th>
            <th className={t.th}>Access</th>
            <th className={t.th}>Used today</th>
            <th className={t.th}>Daily limits</th>
          </tr>
        </thead>
        <tbody className={t.tbody}>
          {users.map((u) => (
            <UserRow key={u.id} user={u} isMe={u.id === me} defaults={defaults} />
          ))}
        </tbody>
      </table>
    </>
  );
}

function DefaultLimits({ defaults, resetsAt }: { defaults: Limits; resetsAt: string }) {
  const fetcher = useAdminFetcher();
  const hintId = useId();
  return (
    <section aria-labelledby="default-limits" className="rounded-lg border border-slate-200 p-4 dark:border-slate-800">
      <h2 id="default-limits" className="text-lg font-semibold">
        Default daily limits
      </h2>
      <p id={hintId} className="mt-1 text-sm text-slate-600 dark:text-slate-400">
        For every user without limits of their own. Leave a field empty for no limit. Counts start again at 00:00 UTC
        (next: {formatUtc(resetsAt)}).
      </p>
      <fetcher.Form
        method="post"
        // Remounted when the saved values change, so the fields show what is in force.
        key={`${defaults.dailyRequests}:${defaults.dailyTokens}`}
        className="mt-3 flex flex-wrap items-end gap-3"
      >
        <input type="hidden" name="intent" value="set-default-quota" />
        <LimitField label="Requests per day" name="dailyRequests" value={defaults.dailyRequests} describedBy={hintId} />
        <LimitField
          label="Generated tokens per day"
          name="dailyTokens"
          value={defaults.dailyTokens}
          describedBy={hintId}
        />
        <Button type="submit" disabled={fetcher.state !== "idle"}>
          {fetcher.state !== "idle" ? "Saving…" : "Save default limits"}
        </Button>
      </fetcher.Form>
    </section>
  );
}

function UserRow({ user, isMe, defaults }: { user: UserView; isMe: boolean; defaults: Limits }) {
  const role = useAdminFetcher();
  const access = useAdminFetcher();
  const pendingRole = role.formData?.get("role");
  const pendingDisabled = access.formData?.get("disabled");
  const shownRole = typeof pendingRole === "string" ? pendingRole : user.role;
  const shownDisabled = typeof pendingDisabled === "string" ? pendingDisabled === "true" : user.disabled;
  const effective = user.quota ?? defaults;

  return (
    <tr className={t.row}>
      <td className={t.cell}>
        <div className="font-medium break-words">{user.name}</div>
        <div className="text-xs break-all text-slate-600 dark:text-slate-400">{user.email}</div>
      </td>
      <td className={t.cell}>
        <CellLabel>Role</CellLabel>
        {isMe ? (
          user.role
        ) : (
          <role.Form method="post" className="flex flex-wrap items-center gap-2">
            <input type="hidden" name="intent" value="set-role" />
            <input type="hidden" name="userId" value={user.id} />
            <input type="hidden" name="role" value={shownRole === "admin" ? "user" : "admin"} />
            <span>{shownRole}</span>
            <Button type="submit" variant="link" disabled={role.state !== "idle"}>
              {shownRole === "admin" ? "Make user" : "Make admin"}
            </Button>
          </role.Form>
        )}
      </td>
      <td className={t.cell}>
        <CellLabel>Access</CellLabel>
        {isMe ? (
          "you"
        ) : (
          <access.Form method="post" className="flex flex-wrap items-center gap-2">
            <input type="hidden" name="intent" value="set-disabled" />
            <input type="hidden" name="userId" value={user.id} />
            <input type="hidden" name="disabled" value={shownDisabled ? "false" : "true"} />
            <span className={shownDisabled ? "text-red-700 dark:text-red-300" : undefined}>
              {shownDisabled ? "disabled" : "active"}
            </span>
            <Button type="submit" variant="link" disabled={access.state !== "idle"}>
              {shownDisabled ? "Enable" : "Disable"}
            </Button>
          </access.Form>
        )}
      </td>
      <td className={t.cell}>
        <CellLabel>Used today</CellLabel>
        <Usage used={user.usage.requests} limit={effective.dailyRequests} unit="requests" />
        <Usage used={user.usage.tokens} limit={effective.dailyTokens} unit="tokens" />
      </td>
      <td className={t.cell}>
        <CellLabel>Daily limits</CellLabel>
        <UserLimits user={user} defaults={defaults} />
      </td>
    </tr>
  );
}

function Usage({ used, limit, unit }: { used: number; limit: number | null; unit: string }) {
  const reached = limit !== null && used >= limit;
  return (
    <div className={`text-sm tabular-nums ${reached ? "font-medium text-red-700 dark:text-red-300" : ""}`}>
      {formatCount(used)}
      {limit !== null && <span className="text-slate-500 dark:text-slate-400"> / {formatCount(limit)}</span>} {unit}
      {reached && <span className="sr-only"> (limit reached)</span>}
    </div>
  );
}

const limitText = (n: number | null) => (n === null ? "unlimited" : formatCount(n));

/** A daily limit's field: a whole number, or empty for no limit. `compact` inside a table row. */
function LimitField({
  label,
  name,
  value,
  describedBy,
  compact,
}: {
  label: string;
  name: keyof Limits;
  value: number | null;
  describedBy?: string;
  compact?: boolean;
}) {
  const id = useId();
  return (
    <div>
      <Label htmlFor={id} size={compact ? "sm" : "md"}>
        {label}
      </Label>
      <input
        id={id}
        name={name}
        inputMode="numeric"
        autoComplete="off"
        placeholder="unlimited"
        defaultValue={value ?? ""}
        aria-describedby={describedBy}
        className={cx(fieldClass("sm"), compact ? "w-28" : "mt-1 w-40 py-1.5")}
      />
    </div>
  );
}

function UserLimits({ user, defaults }: { user: UserView; defaults: Limits }) {
  const [editing, setEditing] = useState(false);
  const save = useAdminFetcher(() => setEditing(false));
  const clear = useAdminFetcher();

  if (editing) {
    return (
      <save.Form
        method="post"
        className="flex flex-wrap items-end gap-2"
        onKeyDown={(e) => {
          if (e.key === "Escape") setEditing(false);
        }}
      >
        <input type="hidden" name="intent" value="set-user-quota" />
        <input type="hidden" name="userId" value={user.id} />
        <LimitField compact label="Requests/day" name="dailyRequests" value={(user.quota ?? defaults).dailyRequests} />
        <LimitField compact label="Tokens/day" name="dailyTokens" value={(user.quota ?? defaults).dailyTokens} />
        <Button type="submit" variant="secondary" size="sm" disabled={save.state !== "idle"}>
          {save.state !== "idle" ? "Saving…" : "Save"}
        </Button>
        <Button type="button" variant="secondary" size="sm" onClick={() => setEditing(false)}>
          Cancel
        </Button>
      </save.Form>
    );
  }

  const clearing = clear.state !== "idle";
  return (
    <div className="space-y-1 text-sm">
      {user.quota && !clearing ? (
        <p>
          <span className="mr-1 rounded bg-brand-500/15 px-1.5 py-0.5 text-xs font-medium">own</span>
          {limitText(user.quota.dailyRequests)} requests · {limitText(user.quota.dailyTokens)} tokens
        </p>
      ) : (
        <p className="text-slate-600 dark:text-slate-400">
          default ({limitText(defaults.dailyRequests)} requests · {limitText(defaults.dailyTokens)} tokens)
        </p>
      )}
      <div className="flex flex-wrap gap-2">
        <Button type="button" variant="secondary" size="sm" onClick={() => setEditing(true)}>
          {user.quota ? "Change limits" : "Set own limits"}
        </Button>
        {user.quota && (
          <clear.Form method="post">
            <input type="hidden" name="intent" value="clear-user-quota" />
            <input type="hidden" name="userId" value={user.id} />
            <Button type="submit" variant="secondary" size="sm" disabled={clearing}>
              Use default
            </Button>
          </clear.Form>
        )}
      </div>
    </div>
  );
}
