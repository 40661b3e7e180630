/** The charts read the month-packed bucket counters of lib/storage/monthCounters.ts. */
export { readBucketCounts } from "../storage/monthCounters.js";
