import { rm } from "node:fs/promises";
import { type CreateSessionRequest, type CreateSessionResponse, ROLES, type Role } from "@depthroom/schema";
import { connect, type ProducerOptions, type RecordingStream } from "@depthroom/sdk";
import type { Browser, BrowserContextOptions, Page } from "playwright-core";
import { afterAll, beforeAll, inject } from "vitest";
import type { Cleanup } from "../../support/cleanups.ts";
import { startTestRelay, type TestRelay, type TestRelayOptions } from "../../support/relay.ts";
import { type CollabPage, openAs } from "./collabPages.ts";
import { linkFor } from "./links.ts";
import { createSessionThroughHomePage, launchChromium, newPage } from "./session.ts";

/*
 * The set-up every browser test file shares, made once per describe block: a relay of its own on
 * port 0 and one Chromium (`browserSuite`), and for most files a session with a page open on one of
 * its links and a rig publishing into it (`viewerSuite`). Each registers the vitest hooks of the
 * calling describe block: its beforeAll runs before the block's own (vitest runs them in the order
 * they are registered) and afterAll closes everything the block made through it, last made first,
 * then the browser and the relay. Fields read before the beforeAll ran throw.
 */

export interface BrowserSuite {
  /** The test web app (`next start`) every file shares. */
  readonly webUrl: string;
  readonly relay: TestRelay;
  readonly browser: Browser;
  /** Run `cleanup` when the block ends, before the browser and the relay (last added runs first). */
  onClose(cleanup: Cleanup): void;
  /** A new session on the file's relay; its `links` are those of the test web app. */
  newSession(request?: CreateSessionRequest): Promise<CreateSessionResponse>;
  /** A page of the shared browser (1280 x 720), or in a context of its own with `context` (closed with the block). */
  newPage(context?: BrowserContextOptions): Promise<Page>;
  /** A rig connected to `publishLink`, closed with the block. */
  connectRig(publishLink: string, options?: ProducerOptions): Promise<RecordingStream>;
  /** `openAs` in the shared browser: its context is closed with the block. */
  openAs(
    link: string,
    identity: Parameters<typeof openAs>[2],
    options?: Parameters<typeof openAs>[3],
  ): Promise<CollabPage>;
  /** Close the relay and start another on its data directory (a restart; the URL changes). */
  restartRelay(): Promise<TestRelay>;
}

export interface BrowserSuiteOptions {
  readonly relay?: TestRelayOptions;
}

export interface ViewerSuiteOptions extends BrowserSuiteOptions {
  /**
   * How the session is made: `"home"` clicks "New session" on the home page (the page stays on the
   * edit link it lands on, unless `open` names a role); otherwise through the relay's API with this request.
   */
  readonly session?: "home" | CreateSessionRequest;
  /** The link the page opens (default "view"; with `session: "home"`, none: it stays where it landed). */
  readonly open?: Role;
  /** Added to the opened link's query, e.g. "decode=main". */
  readonly query?: string;
  /** Open the page in a browser context of its own with these options (a device descriptor). */
  readonly context?: BrowserContextOptions;
  /** Options of the rig connected to the publish link; `false`: no rig (the test connects its own). */
  readonly rig?: ProducerOptions | false;
}

export interface ViewerSuite extends BrowserSuite {
  /** The session (API-made only; with `session: "home"`, use `links`). */
  readonly session: CreateSessionResponse;
  readonly links: Readonly<Record<Role, string>>;
  /** The page open on the session. */
  readonly page: Page;
  /** A rig connected to the session's publish link. */
  readonly rig: RecordingStream;
}

/** Something a describe block's beforeAll sets: reading it before then is a bug in the test. */
function slot<T>(name: string): { get(): T; peek(): T | undefined; set(value: T): void } {
  let value: T | undefined;
  return {
    peek: () => value,
    get() {
      if (value === undefined)
        throw new Error(`browser suite: ${name} is read before the suite's beforeAll ran`);
      return value;
    },
    set(next) {
      value = next;
    },
  };
}

/** Relay and Chromium for the calling describe block, closed after it. */
export function browserSuite(options: BrowserSuiteOptions = {}): BrowserSuite {
  const relay = slot<TestRelay>("relay");
  const browser = slot<Browser>("browser");
  const cleanups: Cleanup[] = [];
  const webUrl = inject("webUrl");

  beforeAll(async () => {
    relay.set(await startTestRelay(options.relay));
    browser.set(await launchChromium());
  });
  // After a restart the relay runs on the first one's data directory, which is then the suite's to delete.
  let restartedDir: string | undefined;
  afterAll(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
    // A beforeAll that failed half-way leaves some unset: close what was made.
    await browser.peek()?.close();
    await relay.peek()?.close();
    if (restartedDir !== undefined) await rm(restartedDir, { recursive: true, force: true });
  });

  const suite: BrowserSuite = {
    webUrl,
    get relay() {
      return relay.get();
    },
    get browser() {
      return browser.get();
    },
    onClose(cleanup) {
      cleanups.push(cleanup);
    },
    async newSession(request = {}) {
      const session = await relay.get().createSession(request);
      const links = { ...session.links };
      for (const role of ROLES) links[role] = linkFor(webUrl, relay.get().url, session, role);
      return { ...session, links };
    },
    async newPage(context) {
      if (!context) return newPage(browser.get());
      const own = await browser.get().newContext(context);
      cleanups.push(() => own.close());
      const page = await own.newPage();
      page.on("pageerror", (error) => process.stderr.write(`page error: ${error.message}\n`));
      return page;
    },
    async connectRig(publishLink, rigOptions) {
      const rig = await connect({ link: publishLink }, { name: "test rig", ...rigOptions });
      cleanups.push(() => rig.close());
      return rig;
    },
    async openAs(link, identity, openOptions) {
      const opened = await openAs(browser.get(), link, identity, openOptions);
      cleanups.push(() => opened.context.close());
      return opened;
    },
    async restartRelay() {
      const old = relay.get();
      await old.relay.close();
      if (options.relay?.dataDir === undefined) restartedDir = old.dataDir;
      relay.set(await startTestRelay({ ...options.relay, dataDir: old.dataDir }));
      return relay.get();
    },
  };
  return suite;
}

/** `browserSuite` with a session, a page open on it and a rig publishing into it. */
export function viewerSuite(options: ViewerSuiteOptions = {}): ViewerSuite {
  const suite = browserSuite(options);
  const session = slot<CreateSessionResponse>("session");
  const links = slot<Readonly<Record<Role, string>>>("links");
  const page = slot<Page>("page");
  const rig = slot<RecordingStream>("rig");

  beforeAll(async () => {
    if (options.session === "home") {
      const home = await suite.newPage(options.context);
      links.set(await createSessionThroughHomePage(home, suite.webUrl, suite.relay.url));
      if (options.open === undefined) page.set(home);
      else await home.close();
    } else {
      session.set(await suite.newSession(options.session));
      links.set(session.get().links);
    }
    if (options.session !== "home" || options.open !== undefined) {
      // A page of its own (a fresh browser context), as a person opening the link would have.
      const opened = await suite.newPage(options.context);
      const link = links.get()[options.open ?? "view"];
      await opened.goto(options.query ? link.replace("#", `&${options.query}#`) : link);
      await opened.getByTestId("viewer").waitFor();
      page.set(opened);
    }
    if (options.rig !== false) rig.set(await suite.connectRig(links.get().publish, options.rig));
  });

  // The browser suite's fields and methods, and the viewer's own fields, each read when used.
  return Object.create(suite, {
    session: { get: session.get },
    links: { get: links.get },
    page: { get: page.get },
    rig: { get: rig.get },
  }) as ViewerSuite;
}
