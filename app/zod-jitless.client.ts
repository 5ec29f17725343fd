// In the browser, zod's schemas run without compiling code (jitless). Its compiler first probes
// `new Function`, which the Content-Security-Policy refuses: the probe would report a violation
// on every page. Imported first by the root, so that it runs before any route module makes a
// schema; a .client module, so the server keeps its compiled schemas.
import { config } from "zod";

config({ jitless: true });
