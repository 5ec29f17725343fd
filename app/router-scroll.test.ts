// The router Remix 2 runs in the browser (@remix-run/router 1.x) restored the scroll position it had
// saved when a revalidation started, once the revalidation finished. Chat revalidates when an
// answer ends and Admin › Models every 5 s, so a reader who scrolled while one was in flight was
// pulled back. patches/@remix-run+router+*.patch applies the upstream fix (react-router 7,
// remix-run/react-router#13671): a revalidation keeps the reader where they are. This test runs the
// installed router, so it fails if the patch was not applied (e.g. `npm ci --ignore-scripts`).
import assert from "node:assert/strict";
import { test } from "node:test";
import type { Router } from "@remix-run/router";

type RouterModule = Pick<typeof import("@remix-run/router"), "createMemoryHistory" | "createRouter">;
// Node loads the package's CommonJS build; Vite bundles its ES module build for the browser. That
// file is the whole package, but TypeScript types it by its neighbour dist/router.d.ts, a part.
const builds: [string, () => Promise<RouterModule>][] = [
  ["the browser's build", async () => (await import("@remix-run/router/dist/router.js")) as unknown as RouterModule],
  ["Node's build", () => import("@remix-run/router")],
];

function startRouter({ createMemoryHistory, createRouter }: RouterModule): { router: Router; scroll: { y: number } } {
  const scroll = { y: 0 };
  const router = createRouter({
    history: createMemoryHistory({ initialEntries: ["/chat"] }),
    routes: [{ id: "chat", path: "/chat", loader: () => ({ at: Date.now() }) }],
  }).initialize();
  // What <ScrollRestoration> registers: a store of saved positions and how to read the position.
  router.enableScrollRestoration({}, () => scroll.y);
  return { router, scroll };
}

async function idle(router: Router) {
  while (router.state.navigation.state !== "idle" || router.state.revalidation !== "idle") {
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
}

for (const [build, load] of builds) {
  test(`${build}: a revalidation leaves the scroll position alone, even when the reader scrolled meanwhile`, async () => {
    const { router, scroll } = startRouter(await load());
    await idle(router);
    scroll.y = 900; // following an answer at the bottom
    const revalidation = router.revalidate();
    scroll.y = 0; // the reader scrolls up while the loaders run
    await revalidation;
    await idle(router);
    // false tells <ScrollRestoration> to leave the window as it is; a number would scroll it there.
    assert.equal(router.state.restoreScrollPosition, false);
    router.dispose();
  });

  test(`${build}: a navigation back still restores where the reader was`, async () => {
    const { router, scroll } = startRouter(await load());
    await idle(router);
    scroll.y = 700;
    await router.navigate("/chat?other");
    await idle(router);
    scroll.y = 0;
    await router.navigate(-1);
    await idle(router);
    assert.equal(router.state.restoreScrollPosition, 700);
    router.dispose();
  });
}
