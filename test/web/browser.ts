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
  // Without it Chromium may take its locale from a POSIX one (`en-US@posix`), which Intl refuses.
  "--lang=en-US",
];

/**
 * `webSecurity`: keep the same-origin policy, which @sparticuz/chromium's own args turn off (--disable-web-security):
 * the CORS tests need the browser to refuse what the API does not allow.
 */
export async function launchBrowser({ webSecurity = false }: { webSecurity?: boolean } = {}): Promise<Browser> {
  const { default: puppeteer } = await import("puppeteer-core");
  if (process.env.CHROME_PATH) {
    return puppeteer.launch({
      executablePath: process.env.CHROME_PATH,
      headless: true,
      args: [...OFFLINE_ARGS, ...(process.getuid?.() === 0 ? ["--no-sandbox"] : [])],
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
    ],
    env: { ...process.env, LANG: "en_US.UTF-8" },
  });
}
