// Entry of a model's worker thread. A worker does not inherit the parent's tsx loader (Node 20
// applies --import hooks per thread, and not to the worker's entry), so this plain-JS file
// registers tsx in the worker and then imports the TypeScript worker itself.
import { register } from "tsx/esm/api";

register();
await import("./model-worker");
