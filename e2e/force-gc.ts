// Preloaded into a server that a spec starts (node --expose-gc --import tsx --import
// ./e2e/force-gc.ts): a full garbage collection every 200 ms, so that whatever lives only as long
// as the collector allows (a WeakRef-held abort signal) is lost here as it is under memory pressure.
const collect = globalThis.gc;
if (!collect) throw new Error("e2e/force-gc.ts needs node --expose-gc");
setInterval(() => collect(), 200).unref();
