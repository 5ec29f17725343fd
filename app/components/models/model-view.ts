import type { loader } from "~/routes/admin.models";

/** One model as the models page shows it (a row of its loader's data). */
export type ModelView = Awaited<ReturnType<typeof loader>>["models"][number];
