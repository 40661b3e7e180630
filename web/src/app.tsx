import { useEffect, useRef, useState } from "preact/hooks";
import type { ApiCredentials, LocalConfig } from "./api.js";
import { href, useRoute } from "./router.js";
import { loadApiCredentials, saveApiCredentials, signOut } from "./session.js";
import { Cohorts } from "./views/Cohorts.js";
import { Engagement } from "./views/Engagement.js";
import { Overview } from "./views/Overview.js";
import { Reports } from "./views/Reports.js";
import { SignIn } from "./views/SignIn.js";
import { UserDetails } from "./views/UserDetails.js";
import { Users } from "./views/Users.js";

const SECTIONS = [
  { key: "overview", title: "Overview", path: [] as string[] },
  { key: "reports", title: "Reports", path: ["reports"] },
  { key: "retention", title: "Retention", path: ["retention"] },
  { key: "engagement", title: "Engagement", path: ["engagement"] },
  { key: "users", title: "Users", path: ["users"] },
];

export function App({ config }: { config: LocalConfig }) {
  const [credentials, setCredentials] = useState<ApiCredentials | undefined>(loadApiCredentials);
  const route = useRoute();
  const main = useRef<HTMLElement>(null);
  const section = route.path[0] ?? "overview";

  // After navigating, keyboard and screen-reader users start at the new page's content.
  const first = useRef(true);
  useEffect(() => {
    const current = SECTIONS.find((s) => s.key === section)?.title ?? "Overview";
    document.title = `${current} · Engagement insights`;
    if (first.current) first.current = false;
    else main.current?.focus();
  }, [route]);

  if (!credentials) {
    return (
      <SignIn
        config={config}
        onSignedIn={(c) => {
          saveApiCredentials(c);
          setCredentials(c);
        }}
      />
    );
  }

  let page: preact.ComponentChildren;
  if (section === "reports")
    page = <Reports credentials={credentials} path={route.path.slice(1)} params={route.params} />;
  else if (section === "retention") page = <Cohorts credentials={credentials} />;
  else if (section === "engagement") page = <Engagement config={config} />;
  else if (section === "users" && route.path[1])
    page = <UserDetails credentials={credentials} userId={route.path[1]} />;
  else if (section === "users") page = <Users credentials={credentials} params={route.params} />;
  else page = <Overview credentials={credentials} />;

  return (
    <>
      {/* A button, not a link: "#main" would be read as a route. */}
      <button type="button" class="skip" onClick={() => main.current?.focus()}>
        Skip to content
      </button>
      <header class="top">
        <span class="brand">Engagement insights</span>
        <nav aria-label="Sections">
          {SECTIONS.map((s) => (
            <a key={s.key} href={href(s.path)} aria-current={s.key === section ? "page" : undefined}>
              {s.title}
            </a>
          ))}
        </nav>
        <button
          type="button"
          class="signout"
          onClick={() => {
            signOut();
            setCredentials(undefined);
          }}
        >
          Sign out
        </button>
      </header>
      <main id="main" ref={main} tabIndex={-1}>
        {page}
      </main>
    </>
  );
}
