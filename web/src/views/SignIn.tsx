import { useState } from "preact/hooks";
import { type ApiCredentials, ApiError, type LocalConfig, verifySession } from "../api.js";

/** Sign-in with an API key that has `read` and its environment id (the users routes need both). */
export function SignIn({ config, onSignedIn }: { config: LocalConfig; onSignedIn: (c: ApiCredentials) => void }) {
  const [apiKey, setApiKey] = useState(config.demo?.api_key ?? "");
  const [environmentId, setEnvironmentId] = useState(config.demo?.environment_id ?? "");
  const [error, setError] = useState<string | undefined>();
  const [busy, setBusy] = useState(false);

  const submit = async (event: Event) => {
    event.preventDefault();
    const credentials = { apiKey: apiKey.trim(), environmentId: environmentId.trim() };
    if (!credentials.apiKey || !credentials.environmentId) {
      setError("Enter both the API key and its environment id.");
      return;
    }
    setBusy(true);
    setError(undefined);
    try {
      await verifySession(credentials);
      onSignedIn(credentials);
    } catch (e) {
      setError(e instanceof ApiError ? e.message : "Sign-in failed.");
      setBusy(false);
    }
  };

  return (
    <main id="main" class="signin" tabIndex={-1}>
      <h1>Engagement insights</h1>
      <p>Sign in with an API key that has the read permission. It is kept in this tab only, until you close it.</p>
      {config.demo && <p class="hint">Local demo: the demo environment's key is filled in.</p>}
      <form onSubmit={submit} aria-describedby={error ? "signin-error" : undefined}>
        <label for="api-key">API key</label>
        <input
          id="api-key"
          name="api-key"
          type="password"
          autoComplete="off"
          required
          value={apiKey}
          onInput={(e) => setApiKey(e.currentTarget.value)}
        />
        <label for="environment-id">Environment id</label>
        <input
          id="environment-id"
          name="environment-id"
          autoComplete="off"
          required
          value={environmentId}
          onInput={(e) => setEnvironmentId(e.currentTarget.value)}
        />
        {error && (
          <p id="signin-error" class="state error" role="alert">
            {error}
          </p>
        )}
        <button type="submit" disabled={busy}>
          {busy ? "Signing in…" : "Sign in"}
        </button>
      </form>
    </main>
  );
}
