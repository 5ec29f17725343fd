// The client's disconnect, taken from the Node response itself. Remix 2 on undici hands routes a
// `request.signal` that follows Express's through intermediate Request objects held by WeakRef;
// once those are garbage-collected the abort is lost (nodejs/undici#3644, nodejs/node#55428) and a
// closed tab's generation runs on. A response that closes before it finished lost its client.
import type { ServerResponse } from "node:http";

/** Aborts when `res` closes unfinished (the client went away); never once the answer was sent. */
export function clientGoneSignal(res: ServerResponse): AbortSignal {
  const controller = new AbortController();
  // The response's own listener holds the controller (no WeakRef): it lives as long as `res`.
  const onClose = () => {
    if (!res.writableFinished) controller.abort();
  };
  if (res.closed) onClose();
  else res.once("close", onClose);
  return controller.signal;
}
