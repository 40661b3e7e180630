import { existsSync } from "node:fs";
import type { Browser } from "puppeteer-core";

/**
 * The browser of the dashboard tests: the headless Chromium that @sparticuz/chromium ships inside its npm package
 * (nothing is downloaded), or the Chrome/Chromium named by CHROME_PATH. That Chromium is a Linux build: elsewhere
 * without CHROME_PATH the tests are skipped with the reason, on Linux (as in CI) they always run.
 */
export function browserUnavailableReason(): string | undefined {
  if (process.env.CHROME_PATH) {
    return existsSync(process.env.CHROME_PATH) ? undefined : `CHROME_PATH ${process.env.CHROME_PATH} does not exist`;
  }
  if (process.platform !== "linux") {
    return `the Chromium of @sparticuz/chromium runs on Linux only (this is ${process.platform}); set CHROME_PATH to a Chrome or Chromium to run the browser tests`;
  }
  return undefined;
}

/** This machine has no internet: everything that would call out at start-up is off. */
const OFFLINE_ARGS = [
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--no-first-run",
];

export interface BrowserLocale {
  /** The process's POSIX locale (`LANG`, `LC_ALL`), e.g. `C.UTF-8`. */
  posix: string;
  /** Chromium's `--lang`, which becomes `navigator.language` (undefined: Chromium derives it from `posix`). */
  lang?: string;
}

/** The tests' default: US English, so screenshots and formatted numbers are the same on every machine. */
const US_ENGLISH: BrowserLocale = { posix: "en_US.UTF-8", lang: "en-US" };

/**
 * `locale`: the process's and Chromium's; `webSecurity`: keep the same-origin policy, which @sparticuz/chromium's own
 * args turn off (--disable-web-security): the CORS tests need the browser to refuse what the API does not allow.
 */
export async function launchBrowser({
  locale = US_ENGLISH,
  webSecurity = false,
}: {
  locale?: BrowserLocale;
  webSecurity?: boolean;
} = {}): Promise<Browser> {
  const { default: puppeteer } = await import("puppeteer-core");
  const localeArgs = locale.lang ? [`--lang=${locale.lang}`] : [];
  const env = { ...process.env, LANG: locale.posix, LC_ALL: locale.posix };
  if (process.env.CHROME_PATH) {
    return puppeteer.launch({
      executablePath: process.env.CHROME_PATH,
      headless: true,
      args: [...OFFLINE_ARGS, ...localeArgs, ...(process.getuid?.() === 0 ? ["--no-sandbox"] : [])],
      env,
    });
  }
  const { default: chromium } = await import("@sparticuz/chromium");
  return puppeteer.launch({
    executablePath: await chromium.executablePath(),
    headless: true,
    // Its own args (single process, no GPU...), plus no sandbox: it cannot run as root with one.
    args: [
      ...chromium.args.filter((arg) => !(webSecurity && arg === "--disable-web-security")),
      "--no-sandbox",
      ...OFFLINE_ARGS,
      ...localeArgs,
    ],
    env,
  });
}
