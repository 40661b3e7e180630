import type { ComponentChildren } from "preact";
import type { ApiError } from "./api.js";
import type { RequestState } from "./useRequest.js";

export function Loading({ what }: { what: string }) {
  return (
    <p class="state loading" role="status">
      Loading {what}…
    </p>
  );
}

export function Empty({ children }: { children: ComponentChildren }) {
  return <p class="state empty">{children}</p>;
}

export function ErrorMessage({ error }: { error: ApiError }) {
  return (
    <p class="state error" role="alert">
      {error.message}
    </p>
  );
}

/** Loading / error / content of one request, the same everywhere. */
export function Load<T>({
  state,
  what,
  children,
}: {
  state: RequestState<T>;
  what: string;
  children: (data: T) => ComponentChildren;
}) {
  if (state.status === "loading") return <Loading what={what} />;
  if (state.status === "error") return <ErrorMessage error={state.error} />;
  return <>{children(state.data)}</>;
}
