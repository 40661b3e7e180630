/**
 * A gate for interleaving concurrent work in a test: the gated work calls `wait()` at the point it must stop,
 * `reached` resolves when it gets there, and it goes on once the test calls `release()`.
 */
export function gate() {
  let reach = () => {};
  let open = () => {};
  const reached = new Promise<void>((resolve) => {
    reach = resolve;
  });
  const opened = new Promise<void>((resolve) => {
    open = resolve;
  });
  const wait = async () => {
    reach();
    await opened;
  };
  return { reached, wait, release: open };
}
