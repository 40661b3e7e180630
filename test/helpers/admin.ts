import { type AdminIo, runAdmin } from "../../lib/cli/program.js";

/** What a test reads of an admin command: its exit code and everything it printed. */
export interface AdminRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** The admin CLI run in-process (lib/cli/program.ts), its output captured instead of printed. */
export async function runAdminCaptured(argv: string[], io: Omit<AdminIo, "stdout" | "stderr">): Promise<AdminRun> {
  let stdout = "";
  let stderr = "";
  const code = await runAdmin(argv, {
    ...io,
    stdout: (text) => {
      stdout += text;
    },
    stderr: (text) => {
      stderr += text;
    },
  });
  return { code, stdout, stderr };
}
