import { useState } from "preact/hooks";

/**
 * The "Download CSV" button of the report tables and the Retention view: asks for the whole answer as CSV
 * (`download`, an api.ts call) and has the browser save it; "Downloading…" meanwhile, the error's message after a
 * failure. One component so every download looks and behaves the same.
 */
export function DownloadCsv({ download }: { download: () => Promise<{ file: string; blob: Blob }> }) {
  const [state, setState] = useState<"idle" | "busy" | string>("idle");
  const save = async () => {
    setState("busy");
    try {
      const { file, blob } = await download();
      const url = URL.createObjectURL(blob);
      const link = document.createElement("a");
      link.href = url;
      link.download = file;
      link.click();
      setTimeout(() => URL.revokeObjectURL(url), 0);
      setState("idle");
    } catch (error) {
      setState((error as Error).message);
    }
  };
  return (
    <>
      <button type="button" class="download-csv" disabled={state === "busy"} onClick={save}>
        {state === "busy" ? "Downloading…" : "Download CSV"}
      </button>
      {state !== "idle" && state !== "busy" && <span role="alert"> {state}</span>}
    </>
  );
}
