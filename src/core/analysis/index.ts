// Analysis of a range of a channel beyond the kernels: spectrum peaks, spectrograms, XY of two channels.
export type { PeakOptions, SpectrumPeak } from './peaks';
export { findPeaks, mainLobeBins, median, parabolicPeak } from './peaks';
export { GAP_FACTOR, continues, continuousRuns, firstFullSegment, medianSpacing } from './sampling';
export type { Spectrogram, SpectrogramOptions } from './spectrogram';
export { SPECTROGRAM_SEARCH, lowerBound, spectrogram, spectrogramTargets, spectrumColumn } from './spectrogram';
export type { XYPoints } from './xy';
export { bucketMeans, joinNearest, pairBuckets, timeEdges } from './xy';
