import type { ApiCredentials, DashboardCredentials } from "./api.js";

/**
 * Credentials live in sessionStorage only: they go when the tab closes, are not shared with other tabs, and are
 * never written to localStorage, cookies or URLs.
 */
const API_KEY = "engagement-insights.api";
const DASHBOARD_KEY = "engagement-insights.dashboard";

function read<T>(key: string, valid: (value: Partial<T>) => boolean): T | undefined {
  try {
    const raw = sessionStorage.getItem(key);
    if (!raw) return undefined;
    const parsed = JSON.parse(raw) as Partial<T>;
    return valid(parsed) ? (parsed as T) : undefined;
  } catch {
    return undefined;
  }
}

export const loadApiCredentials = () =>
  read<ApiCredentials>(API_KEY, (c) => typeof c.apiKey === "string" && typeof c.environmentId === "string");

export const saveApiCredentials = (c: ApiCredentials) => sessionStorage.setItem(API_KEY, JSON.stringify(c));

export const loadDashboardCredentials = () =>
  read<DashboardCredentials>(DASHBOARD_KEY, (c) => typeof c.userId === "string" && typeof c.authToken === "string");

export const saveDashboardCredentials = (c: DashboardCredentials) =>
  sessionStorage.setItem(DASHBOARD_KEY, JSON.stringify(c));

export function signOut(): void {
  sessionStorage.removeItem(API_KEY);
  sessionStorage.removeItem(DASHBOARD_KEY);
}
