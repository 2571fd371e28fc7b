import { z } from "zod";

/*
 * zod's JIT probes `new Function("")` the first time an object schema parses; under the app's CSP
 * (next.config.ts: no 'unsafe-eval') the browser refuses it and reports a policy violation, even though
 * zod falls back. jitless skips the probe. Imported first by the page (instrumentation-client.ts) and by
 * the frame worker.
 */
z.config({ jitless: true });
