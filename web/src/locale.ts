/**
 * The viewer's locale, made one Intl accepts before anything formats with it. A browser started under a POSIX locale
 * reports `navigator.language` as `en-US@posix` or `C`, which are not BCP 47 tags: `new Intl.NumberFormat("C")`
 * throws. uPlot builds its number formatter from `navigator.language` when its module is evaluated, so one such
 * value would throw before the dashboard renders anything. main.tsx imports this module first: when the reported
 * language is refused, `navigator.language` (and `languages`) are redefined on the navigator object to the nearest
 * tag Intl takes (`en_US.UTF-8@posix` → `en-US`), else to Intl's own default locale, which is always valid.
 */

/** A BCP 47 spelling of a POSIX locale name (`de_DE.UTF-8@euro` → `de-DE`); `C` and `POSIX` have none. */
function fromPosix(name: string): string {
  return name.split("@")[0]?.split(".")[0]?.replaceAll("_", "-") ?? "";
}

function accepted(tag: string): string | undefined {
  if (!tag || /^(C|POSIX)$/i.test(tag)) return undefined;
  try {
    const [canonical] = Intl.getCanonicalLocales(tag);
    // getCanonicalLocales checks the syntax only; the formatters must take it too.
    if (canonical) new Intl.NumberFormat(canonical);
    return canonical;
  } catch {
    return undefined;
  }
}

/** `language` as is when Intl takes it, else its nearest accepted form, else Intl's default locale. */
export function usableLocale(language: string | undefined): string {
  return (
    accepted(language ?? "") ?? accepted(fromPosix(language ?? "")) ?? new Intl.NumberFormat().resolvedOptions().locale
  );
}

function sanitizeNavigator(): string {
  if (typeof navigator === "undefined") return usableLocale(undefined);
  const language = usableLocale(navigator.language);
  if (language !== navigator.language) {
    const languages = [...new Set([language, ...(navigator.languages ?? []).map(usableLocale)])];
    Object.defineProperty(navigator, "language", { configurable: true, get: () => language });
    Object.defineProperty(navigator, "languages", { configurable: true, get: () => Object.freeze(languages) });
  }
  return language;
}

/** The locale the dashboard formats numbers and dates in. */
export const viewerLocale = sanitizeNavigator();
