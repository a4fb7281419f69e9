import { defineError } from '../../kernel/errors.js';

/**
 * Errors of demand forecasting and replenishment suggestion. All are the caller's input (422): the
 * same request will fail the same way, so none is retryable.
 */
export const ForecastErrors = {
  /** The requested model needs more periods than the history has; `extensions` says how many. */
  HISTORY_TOO_SHORT: defineError({
    code: 'ERP_FORECAST_HISTORY_TOO_SHORT',
    status: 422,
    title: 'History too short for the requested forecast model',
  }),
  NEGATIVE_DEMAND: defineError({
    code: 'ERP_FORECAST_NEGATIVE_DEMAND',
    status: 422,
    title: 'Demand history or forecast has a negative value',
  }),
  SEASON_LENGTH_INVALID: defineError({
    code: 'ERP_FORECAST_SEASON_LENGTH_INVALID',
    status: 422,
    title: 'Season length must be a whole number of periods, at least 2 for a seasonal model',
  }),
  NON_FINITE: defineError({
    code: 'ERP_FORECAST_NON_FINITE',
    status: 422,
    title: 'A value is not a finite number',
  }),
  /** Horizon, fixed smoothing parameters, method name or backtest settings out of range. */
  OPTIONS_INVALID: defineError({
    code: 'ERP_FORECAST_OPTIONS_INVALID',
    status: 422,
    title: 'Forecast options are invalid',
  }),
};

export const ReplenishmentErrors = {
  /** A stock position, lead time, policy or supplier constraint is out of range; `field` names it. */
  INPUT_INVALID: defineError({
    code: 'ERP_REPLENISHMENT_INPUT_INVALID',
    status: 422,
    title: 'Replenishment input is invalid',
  }),
};
