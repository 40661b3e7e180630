import { useEffect, useState } from "preact/hooks";
import { ApiError } from "./api.js";

export type RequestState<T> = { status: "loading" } | { status: "error"; error: ApiError } | { status: "ok"; data: T };

/** Runs `load` whenever `deps` change, cancelling the previous call, so a slow old answer never replaces a new one. */
export function useRequest<T>(load: (signal: AbortSignal) => Promise<T>, deps: unknown[]): RequestState<T> {
  const [state, setState] = useState<RequestState<T>>({ status: "loading" });
  // The caller lists what `load` depends on in `deps`.
  useEffect(() => {
    const controller = new AbortController();
    setState({ status: "loading" });
    load(controller.signal).then(
      (data) => {
        if (!controller.signal.aborted) setState({ status: "ok", data });
      },
      (error: unknown) => {
        if (controller.signal.aborted) return;
        setState({
          status: "error",
          error: error instanceof ApiError ? error : new ApiError(0, (error as Error).message, null),
        });
      },
    );
    return () => controller.abort();
  }, deps);
  return state;
}
