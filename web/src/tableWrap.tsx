import type { ComponentChildren } from "preact";

/**
 * A table's own horizontal scroller, so a wide table never widens the page (375 px). It is focusable so keyboard
 * users can scroll it too (a scrollable region without focusable content is otherwise out of their reach).
 */
export function TableWrap({ label, children }: { label?: string; children: ComponentChildren }) {
  return (
    // biome-ignore lint/a11y/noNoninteractiveTabindex: a scrollable region must be reachable by keyboard (WCAG 2.1.1)
    <section class="table-wrap" aria-label={label ?? "Table"} tabIndex={0}>
      {children}
    </section>
  );
}
