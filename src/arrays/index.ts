// Public surface of the arrays layer: chunked channel arrays over any Storage.
export { ChannelArray, CHUNK_SIZE, SUMMARY_BASE, SUMMARY_FACTOR, levelBlock, regularRuns } from './channel-array';
export type { AppendRun, AppendTimes, ArrayMeta, DropReport, ReadResult, TimeSegment } from './channel-array';
export { ArrayError, type ArrayErrorCode } from './errors';
export { combine, emptySummary, summarizeValues, type Summary } from './summary';
