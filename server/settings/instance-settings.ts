// Settings of the whole instance that admins change at run time (Admin page). Each key has a
// schema and a default (the env default from server/config.ts where there is one); a stored value
// that no longer parses falls back to the default rather than breaking every page that reads it.
import { eq } from "drizzle-orm";
import { z } from "zod";
import type { Db } from "../../db/client";
import { instanceSettings } from "../../db/schema";

const SETTINGS = {
  /** Whether opening a share link needs a signed-in account of this instance. */
  shareLinksRequireSignIn: z.boolean(),
} as const;

export type SettingKey = keyof typeof SETTINGS;
export type InstanceSettingValues = { [K in SettingKey]: z.output<(typeof SETTINGS)[K]> };

export function createInstanceSettings(db: Db, defaults: InstanceSettingValues) {
  async function get<K extends SettingKey>(key: K): Promise<InstanceSettingValues[K]> {
    const [row] = await db.select().from(instanceSettings).where(eq(instanceSettings.key, key));
    const parsed = SETTINGS[key].safeParse(row?.value);
    return parsed.success ? (parsed.data as InstanceSettingValues[K]) : defaults[key];
  }

  async function set<K extends SettingKey>(key: K, value: InstanceSettingValues[K]) {
    const checked = SETTINGS[key].parse(value);
    await db
      .insert(instanceSettings)
      .values({ key, value: checked })
      .onConflictDoUpdate({ target: instanceSettings.key, set: { value: checked, updatedAt: new Date() } });
  }

  return { get, set };
}

export type InstanceSettings = ReturnType<typeof createInstanceSettings>;
