import cliProgress from "cli-progress";
import type { ImportPhase } from "./importEvents.js";
import type { ImportProgress } from "./program.js";

/** The import's progress on stderr: one bar per pass, in megabytes of the file read. */
export function stderrProgressBar(): ImportProgress {
  let bar: cliProgress.SingleBar | undefined;
  let phase: ImportPhase | undefined;
  const mb = (bytes: number) => Math.round(bytes / 10_485.76) / 100;
  return {
    update(next, bytesRead, totalBytes) {
      if (next !== phase) {
        bar?.stop();
        phase = next;
        bar = new cliProgress.SingleBar(
          {
            stream: process.stderr,
            format: `${next.padEnd(10)} [{bar}] {percentage}% | {read}/{size} MB`,
            hideCursor: true,
          },
          cliProgress.Presets.shades_classic,
        );
        bar.start(Math.max(totalBytes, 1), 0, { read: 0, size: mb(totalBytes) });
      }
      bar?.update(bytesRead, { read: mb(bytesRead), size: mb(totalBytes) });
    },
    stop() {
      bar?.stop();
    },
  };
}
