import { fileURLToPath } from "node:url";

/** The project root (where package.json and package-lock.json live), whatever the current directory. */
export const PROJECT_ROOT = fileURLToPath(new URL("..", import.meta.url));
