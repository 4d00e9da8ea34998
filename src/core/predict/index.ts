// Remaining-useful-life learning (issue 17, /work/notes/predict.md §2): features, trees, the model.
export type { FeatureOptions, FeatureState } from './features';
export { FeatureStream, featureCount, featureMatrix, featureNames } from './features';
export type { GbtModel, GbtParams, GbtTree } from './gbt';
export { defaultGbtParams, fitGbt, gbtModelProblem, predictGbt } from './gbt';
export type { RulEstimate, RulModel, RulPredictorState, RulTrainOptions, RulValidation, UnitSeries } from './rul-model';
export { defaultRulSmoothing, defaultRulWindows, predictRul, RulPredictor, rulModelProblem, trainRul } from './rul-model';
// Degradation rates (year-on-year with a bootstrap interval) and the hourly means they read.
export type { DegradationErrorCode, DegradationExclusions, DegradationResult, PvDegradationOptions, PvSeries, TrendOptions, WindDegradationOptions, WindSeries, YearOnYear } from './degradation';
export { DEFAULT_BIN_WIDTH, DegradationError, defaultPvOptions, defaultTrendOptions, describeExclusions, pvDegradation, windDegradation, yearOnYear } from './degradation';
export type { HourlyMeansResult } from './hourly-means';
export { HourlyMeans, TooManyHoursError } from './hourly-means';
