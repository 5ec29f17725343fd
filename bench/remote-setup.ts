// What both ends of `npm run bench:remote` set up on a fresh Loom server: a user with an API key,
// and optionally another model as Chat's default.
import type { AppServices } from "../server/services";

/** The marker of the line on which bench/remote-server.ts says it is ready. */
export const READY = "LOOM_BENCH_READY";
/** The marker of the line on which it answers a round run on its own in-process model. */
export const ROUND = "LOOM_BENCH_ROUND";

export async function benchUserKey(services: AppServices): Promise<string> {
  const user = await services.auth.createUser({
    email: `bench-${process.pid}-${Date.now()}@example.com`,
    name: "Bench",
    password: "a-long-password",
  });
  return (await services.apiKeys.create(user.id, "bench:remote")).key;
}

/** Makes `modelId` Chat's default when given; returns the id Chat then serves. */
export async function makeChatDefault(services: AppServices, modelId: string | undefined): Promise<string> {
  if (modelId) await services.registry.assign("chat", modelId, true);
  return (await services.registry.resolve("chat")).id;
}
