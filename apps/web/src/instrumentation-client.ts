// Runs in the browser before the app's code (Next.js): zod without its eval probe (zodJitless.ts).
import "./zodJitless.ts";
