import { describe, expect, it } from "vitest";
import { usableLocale } from "../../web/src/locale.js";

/** The dashboard's locale fallback (web/src/locale.ts), in Node's Intl (full ICU, as in Chromium). */
describe("usableLocale", () => {
  const fallback = new Intl.NumberFormat().resolvedOptions().locale;

  it("keeps a tag Intl accepts", () => {
    expect(usableLocale("de-DE")).toBe("de-DE");
    expect(usableLocale("ar-EG")).toBe("ar-EG");
    expect(usableLocale("en-US")).toBe("en-US");
  });

  it("turns a POSIX locale name into its tag", () => {
    expect(() => new Intl.NumberFormat("en-US@posix")).toThrow(RangeError);
    expect(usableLocale("en-US@posix")).toBe("en-US");
    expect(usableLocale("de_DE.UTF-8@euro")).toBe("de-DE");
    expect(usableLocale("pt_BR")).toBe("pt-BR");
  });

  it("falls back to Intl's default locale for C, POSIX, empty or nonsense", () => {
    for (const name of ["C", "C.UTF-8", "POSIX", "", undefined, "not a locale!"]) {
      const locale = usableLocale(name);
      expect(locale, String(name)).toBe(fallback);
      expect(() => new Intl.NumberFormat(locale)).not.toThrow();
    }
  });
});
