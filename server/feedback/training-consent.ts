// Settings › Privacy: whether a user's chats may be exported as training data. Opting out is read
// at export time (server/feedback/rated-answers.ts), so it covers past and future ratings alike.
import { eq } from "drizzle-orm";
import type { Db } from "../../db/client";
import { users } from "../../db/schema";

export function createTrainingConsent(db: Db) {
  return {
    async isOptedOut(userId: string): Promise<boolean> {
      const [row] = await db.select({ optOut: users.trainingOptOut }).from(users).where(eq(users.id, userId));
      return row?.optOut ?? false;
    },
    async setOptedOut(userId: string, optOut: boolean): Promise<void> {
      await db.update(users).set({ trainingOptOut: optOut }).where(eq(users.id, userId));
    },
  };
}

export type TrainingConsent = ReturnType<typeof createTrainingConsent>;
