/**
 * The simulated fleet's remaining-life model spec (`prediction_model/main-bearing`, `simulated:
 * true`): the main bearings of the wind farm, learnt from the failures of their past lives in the
 * long history (schedule.ts) and predicting the current wear of T03's. demo-fleet.ts writes it on
 * start where it is absent (an engineer's edits stay; disable it to stop it: a deleted one comes
 * back on the next start); the server trains its first version on its own (no version yet).
 *
 * The inputs are the SCADA fields the wear shows in (bearing temperature, vibration RMS) and what
 * explains them otherwise (the nacelle and the air around it, load and rotor speed); the windows
 * (1 day to 2 weeks of hourly steps) see a rise of weeks through a day's weather.
 */
import type { PredictionModelDoc } from '../../core/model';

/** The demo's model spec as stored. */
export type DemoPredictionModel = PredictionModelDoc & { simulated: true };

/** The demo's model specs, id → document (written where absent on start). */
export function demoPredictionModels(): Array<{ id: string; doc: DemoPredictionModel }> {
  return [
    {
      id: 'prediction_model/main-bearing',
      doc: {
        type: 'prediction_model',
        title: 'Main bearing remaining life',
        asset_type: 'main_bearing',
        inputs: ['main_bearing_temp', 'vibration_rms', 'nacelle_temp', 'ambient_temp', 'power', 'rotor_speed'],
        step_ms: 3_600_000,
        windows: [24, 72, 168, 336],
        cap_days: 90,
        lead_days: 21,
        enabled: true,
        simulated: true,
      },
    },
  ];
}
